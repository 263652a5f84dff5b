/**
 * pnpm --filter @tenant/domain bench — what the pool's client (src/db/pg-client.ts) saves.
 *
 * Kysely over a pg.Pool, as the ORM runs it, answering the query shape of `transactions.list` (a
 * 101-row keyset page) at concurrency 32 on 16 connections. Two clients, each in a process of its
 * own (V8's choices about what to promote are made per process, from what it has seen): pg's own,
 * which Kysely asks for promises, and PooledClient, which answers them through pg's callback form.
 * Each at V8's default young generation and at the api's 32 MB semi-spaces (apps/api
 * package.json, tenant.nodeFlags). Printed: CPU per query (the process, GC threads included), GC
 * pause per 1,000 queries, and the full collections, where promoted rows are freed.
 * Env: BENCH_QUERIES (20,000 a run).
 */
import { spawnSync } from 'node:child_process';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PooledClient } from '../src/db/pg-client';
import { createTestDatabase, stopTestServer } from '../src/testing';

const QUERIES = Number(process.env.BENCH_QUERIES ?? 20_000);
const CONCURRENCY = 32;
const POOL = 16;
const USERS = 20;

const PAGE = `
  select id, account_id as "accountId", status, amount::text as amount,
         credit_debit_indicator as "creditDebitIndicator", currency,
         (extract(epoch from booking_date) * 1000000)::int8 as "bookingDate",
         balance_after::text as "balanceAfter", description, counterparty, category
    from bench_rows where user_id = $1
   order by booking_date desc, id desc limit 101`;

const CLIENTS = { "pg's client": pg.Client, PooledClient } as const;
const YOUNG_GENERATIONS: Record<string, string[]> = {
  'default young generation': [],
  '32 MB semi-spaces (the api)': ['--max-semi-space-size=32'],
};

type Measured = { cpuUs: number; pausePer1000: number; majors: number };

/** In a child: the queries on `url` through `client`, measured; one JSON line on stdout. */
async function measure(url: string, client: keyof typeof CLIENTS): Promise<Measured> {
  let pauseMs = 0;
  let majors = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      pauseMs += entry.duration;
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        majors++;
    }
  }).observe({ entryTypes: ['gc'] });
  const pool = new pg.Pool({ connectionString: url, max: POOL, Client: CLIENTS[client] });
  const kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  let next = 0;
  let bytes = 0;
  const run = async (i: number) => {
    const { rows } = await kysely.executeQuery(CompiledQuery.raw(PAGE, [i % USERS]));
    // What a request does with its page before letting go of it.
    bytes += JSON.stringify(rows).length;
  };
  for (let i = 0; i < 1000; i++) await run(i);
  const [pause0, majors0, cpu0] = [pauseMs, majors, process.cpuUsage()];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < QUERIES) await run(next++);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  await kysely.destroy();
  if (bytes === 0) throw new Error('no rows');
  return {
    cpuUs: (cpu.user + cpu.system) / QUERIES,
    pausePer1000: ((pauseMs - pause0) * 1000) / QUERIES,
    majors: majors - majors0,
  };
}

const child = process.env.BENCH_PG_CLIENT;
if (child) {
  const measured = await measure(process.env.BENCH_PG_CLIENT_URL as string, child as keyof typeof CLIENTS);
  process.stdout.write(`${JSON.stringify(measured)}\n`);
  process.exit(0);
}

const db = await createTestDatabase({ pool: 2 });
const admin = new pg.Pool({ connectionString: db.url, max: 1 });
try {
  await admin.query(`
    create table bench_rows as
    select gen_random_uuid() as id, gen_random_uuid() as account_id, 'booked'::text as status,
           (random() * 100)::numeric(12, 2) as amount, 'debit'::text as credit_debit_indicator,
           'RON'::text as currency, now() - g * interval '1 minute' as booking_date,
           null::numeric as balance_after, 'Card payment at the corner shop'::text as description,
           'Corner Shop SRL'::text as counterparty, null::text as category, g % ${USERS} as user_id
      from generate_series(1, 200000) g`);
  await admin.query('create index on bench_rows (user_id, booking_date desc, id desc)');
  await admin.query('vacuum analyze bench_rows');

  console.log(
    `bench/pg-client — Kysely over pg.Pool, ${QUERIES.toLocaleString('en')} pages of 101 rows at concurrency ${CONCURRENCY} on ${POOL} connections, a process per run, node ${process.version}`,
  );
  console.log(
    `  ${'young generation'.padEnd(28)} ${'client'.padEnd(14)} ${'CPU µs/query'.padStart(13)} ${'GC pause ms/1000'.padStart(17)} ${'full GCs'.padStart(9)}`,
  );
  for (const [generation, flags] of Object.entries(YOUNG_GENERATIONS)) {
    for (const client of Object.keys(CLIENTS)) {
      const run = spawnSync(
        process.execPath,
        [...process.execArgv, ...flags, fileURLToPath(import.meta.url)],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
          env: { ...process.env, BENCH_PG_CLIENT: client, BENCH_PG_CLIENT_URL: db.url },
        },
      );
      if (run.status !== 0) throw new Error(`${client} (${generation}) exited ${run.status}`);
      const m = JSON.parse(run.stdout.trim().split('\n').pop() as string) as Measured;
      console.log(
        `  ${generation.padEnd(28)} ${client.padEnd(14)} ${m.cpuUs.toFixed(0).padStart(13)} ${m.pausePer1000.toFixed(1).padStart(17)} ${String(m.majors).padStart(9)}`,
      );
    }
  }
} finally {
  await admin.end();
  await db.drop();
  await stopTestServer();
}
