/**
 * pnpm --filter @tenant/api bench — read-path load test of the api against a bare baseline.
 *
 * Seeds a fresh database (DATABASE_URL's server, or embedded) with BENCH_TRANSACTIONS (default
 * 300 000) transactions over 200 accounts of 20 users, with SQL generate_series. Then, with
 * autocannon at concurrency 32 over HTTP (a bounded number of requests in flight, loopback),
 * measures the api as front-ends call it: each request is what the shipped client sends
 * (`createTenantClient`: httpBatchLink's `?batch=1` GET with superjson input and the bearer header,
 * taken from the client itself, see client-requests.ts), and one scenario is the first page of the
 * web app's infinite query through the TanStack Query integration. Against them, the same
 * transactions query served by a bare node:http + pg.Pool server (no auth, no framework), on the
 * same database with the same pool size.
 * Both servers run in one child process (bench/servers.ts), with the api's node flags
 * (src/node-flags.ts), the load generator in this one.
 * Prints p50/p99 latency, throughput and server CPU per request per scenario, and the ratios to
 * the baseline.
 * Targets (the shipped client's transactions.list, median round): p99 ≤ 1.5× and CPU per request
 * ≤ 1.8× the baseline's.
 * The api logs as production does by default (LOG_LEVEL `info`: a line per request, through pino's
 * own stream), into /dev/null so that the terminal is not what is measured; BENCH_LOG_LEVEL=warn
 * shows what that line costs.
 * Env: BENCH_TRANSACTIONS, BENCH_CONNECTIONS (32), BENCH_DURATION (10 s), BENCH_POOL (16),
 * BENCH_LOG_LEVEL (the api's, `info`), BENCH_ROUNDS (3: each baseline and the scenarios measured against it run in turn this many
 * times), BENCH_CPU_PROF (a directory: profile the servers with V8's --cpu-prof), BENCH_HEAP_PROF (a
 * file: V8's sampling heap profile of the servers, collected garbage included), BENCH_NODE_FLAGS
 * (more node flags for the servers, e.g. `--trace-gc`; what they print goes to stderr), BENCH_ONLY
 * (a regex of scenario names to run).
 */
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseCatalog, rebuildRollups, seedCatalog } from '@tenant/domain';
import { createTestDatabase, stopTestServer } from '@tenant/domain/testing';
import { CATALOG } from '@tenant/finqware-sandbox';
import { hashBearerToken } from '@tenant/router';
import { cpuSeconds, spawnNode } from '@tenant/spawn';
import autocannon, { type Request as CannonRequest, type Result as CannonResult } from 'autocannon';
import pg from 'pg';
import { API_NODE_FLAGS } from '../src/node-flags';
import { type WireRequest, wireRequestOf } from './client-requests';

const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 300_000);
const USERS = 20;
const ACCOUNTS_PER_USER = 10;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const POOL = Number(process.env.BENCH_POOL ?? 16);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
/** The shipped client's transactions.list against the baseline: p99 and CPU per request. */
const P99_TARGET = 1.5;
const CPU_TARGET = 1.8;

const log = (line: string) => console.log(line);

const db = await createTestDatabase({ pool: POOL });
const admin = new pg.Pool({ connectionString: db.url, max: 2 });
try {
  // ---- seed --------------------------------------------------------------------------------------
  const t = performance.now();
  await seedCatalog(db.orm.em.fork(), parseCatalog(CATALOG));
  const tokens: string[] = [];
  const userIds: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const token = `bench-token-${i}-${'x'.repeat(30)}`;
    const { rows } = await admin.query<{ id: string }>(
      `insert into users (email, password_hash, tenant_user_id) values ($1, 'scrypt$bench', gen_random_uuid()) returning id`,
      [`bench${i}@example.com`],
    );
    const userId = rows[0]?.id as string;
    await admin.query(
      `insert into auth_tokens (user_id, token_hash, expires_at) values ($1, $2, now() + interval '1 day')`,
      [userId, hashBearerToken(token)],
    );
    tokens.push(token);
    userIds.push(userId);
  }
  await admin.query(
    `insert into user_skills (user_id, skill_id, credentials_id_hash, credentials_id_enc, access_token_enc, vault_key_id)
     select u.id, (select id from skills where code = 'bt_ro_aisp_sbx_#2.0'), md5(u.id::text), 'x', 'x', 'bench'
       from users u`,
  );
  await admin.query(
    `insert into accounts (user_skill_id, user_id, finqware_account_id, servicer_name, currency, name, raw)
     select us.id, us.user_id, 'acc-' || g, 'Banca Transilvania', 'RON', 'Account ' || g, '{}'::jsonb
       from user_skills us cross join generate_series(1, $1::int) g`,
    [ACCOUNTS_PER_USER],
  );
  await admin.query(
    `insert into balances (account_id, finqware_balance_id, type, amount, credit_debit_indicator, currency,
                           reference_date, finqware_timestamp, raw)
     select a.id, 'b-' || g, 'closingBooked', 1000 + g, 'credit', 'RON', now() - g * interval '1 day',
            now() - g * interval '1 day', '{}'::jsonb
       from accounts a cross join generate_series(1, 30) g`,
  );
  const perAccount = Math.ceil(TRANSACTIONS / (USERS * ACCOUNTS_PER_USER));
  await admin.query(
    `insert into transactions (account_id, user_id, utx_id, finqware_id, status, amount, credit_debit_indicator,
                               currency, booking_date, description, counterparty, raw)
     select a.id, a.user_id, 'u-' || g, 'f-' || g,
            case when g % 50 = 0 then 'pending' else 'booked' end,
            s.amount, case when s.amount < 0 then 'debit' else 'credit' end, 'RON',
            timestamptz '2026-01-01' - (g * interval '2 hours') - (random() * interval '90 minutes'),
            (array['Card payment','Transfer','Salary','Groceries','Utilities'])[1 + g % 5],
            (array['Lidl','Kaufland','ACME Payroll','Enel','Orange','Mega Image'])[1 + (g * 7) % 6],
            '{}'::jsonb
       from accounts a
       cross join generate_series(1, $1::int) g
       cross join lateral (select round(((random() - 0.7) * 1000)::numeric, 2) + 0 * g as amount) s`,
    [perAccount],
  );
  // Seeded by SQL, past the sync engine that keeps the insights' rollups: built here, as for any
  // writer that bypasses the engine.
  const { rows: accountRows } = await admin.query<{ id: string }>('select id from accounts');
  await rebuildRollups(
    db.orm.em.fork(),
    accountRows.map((row) => row.id),
  );
  // Autovacuum would get here on its own in a live system (insert thresholds); index-only scans
  // need its visibility map, so the benchmark does not wait for it.
  await admin.query('vacuum analyze');
  const { rows: countRows } = await admin.query<{ n: string }>('select count(*) as n from transactions');
  log(
    `seeded ${Number(countRows[0]?.n).toLocaleString('en')} transactions over ${USERS * ACCOUNTS_PER_USER} accounts of ${USERS} users in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  // ---- the servers, in a child process ---------------------------------------------------------
  const child = spawnNode(fileURLToPath(new URL('./servers.ts', import.meta.url)), {
    nodeFlags: [
      // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the servers (open it in Chrome DevTools).
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
      // The api's own flags (the baseline shares its process, so it runs with them too).
      ...API_NODE_FLAGS,
      // BENCH_NODE_FLAGS: more flags for the servers' node, e.g. `--trace-gc`; a later flag wins.
      ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ],
    env: { ...process.env, BENCH_DATABASE_URL: db.url, BENCH_POOL: String(POOL) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ports = await new Promise<{ api: number; baseline: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`servers exited (${code})`)));
    // The ports line; anything else the servers print (flags like --trace-gc) goes to stderr.
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.startsWith('{"api"')) resolve(JSON.parse(line));
      else process.stderr.write(`${line}\n`);
    });
  });
  const apiUrl = `http://127.0.0.1:${ports.api}`;
  const baselineUrl = `http://127.0.0.1:${ports.baseline}`;

  // ---- scenarios ----------------------------------------------------------------------------------
  // What the shipped client sends for each call, taken from the client itself (client-requests.ts):
  // a GET of `?batch=1` with superjson input and the bearer header; replayed with each user's token.
  const trpcUrl = `${apiUrl}/trpc`;
  const wire = (call: Parameters<typeof wireRequestOf>[2]) =>
    wireRequestOf(trpcUrl, tokens[0] as string, call);
  const filters = {
    status: 'booked',
    minAmount: '-500',
    maxAmount: '100',
    search: 'pay',
    limit: 100,
  } as const;
  const shipped = {
    list: await wire(({ client }) => client.transactions.list.query({ limit: 100 })),
    filtered: await wire(({ client }) => client.transactions.list.query(filters)),
    // The web app's transactions page: the first page of an infinite query (cursor and direction
    // in its input), through @tenant/client/react-query.
    infinite: await wire(({ queries, queryClient }) =>
      queryClient.fetchInfiniteQuery(
        queries.transactions.list.infiniteQueryOptions(
          { limit: 100 },
          { getNextPageParam: (page) => page.nextCursor },
        ),
      ),
    ),
    accounts: await wire(({ client }) => client.accounts.list.query()),
    cashflow: await wire(({ client }) =>
      client.insights.cashflow.query({
        from: new Date('2025-01-01T00:00:00Z'),
        to: new Date('2026-01-01T00:00:00Z'),
        interval: 'month',
      }),
    ),
  };
  log(`the shipped client's transactions.list: ${shipped.list.method} ${shipped.list.path}`);
  log(`  headers: ${Object.keys(shipped.list.headers).join(', ')}`);
  log(`the TanStack Query integration's first page: ${shipped.infinite.method} ${shipped.infinite.path}`);

  let turn = 0;
  /** A request as the client sent it, each time as the next user (their token instead of the first's). */
  const asUser = (request: WireRequest): CannonRequest => ({
    setupRequest(req: CannonRequest): CannonRequest {
      const user = turn++ % USERS;
      return {
        ...req,
        method: request.method as CannonRequest['method'],
        path: request.path,
        headers: { ...request.headers, authorization: `Bearer ${tokens[user]}` },
        ...(request.body === undefined ? {} : { body: request.body }),
      };
    },
  });
  /** The baseline's request: the user in the query string, no token. */
  const baselineRequest = (filtered: boolean): CannonRequest => ({
    setupRequest(req: CannonRequest): CannonRequest {
      const user = turn++ % USERS;
      return { ...req, method: 'GET', path: `/tx?${filtered ? 'filtered=1&' : ''}user=${userIds[user]}` };
    },
  });

  type Scenario = { name: string; url: string; request: CannonRequest; baselineOf?: string; target?: true };
  const BASE = 'baseline: transactions (node:http + pg)';
  const BASE_FILTERED = 'baseline: transactions filtered';
  const scenarios: Scenario[] = [
    { name: BASE, url: baselineUrl, request: baselineRequest(false) },
    {
      name: 'transactions.list (createTenantClient)',
      url: apiUrl,
      request: asUser(shipped.list),
      baselineOf: BASE,
      target: true,
    },
    {
      name: 'transactions.list (TanStack Query page)',
      url: apiUrl,
      request: asUser(shipped.infinite),
      baselineOf: BASE,
      target: true,
    },
    { name: BASE_FILTERED, url: baselineUrl, request: baselineRequest(true) },
    {
      name: 'transactions.list (filtered)',
      url: apiUrl,
      request: asUser(shipped.filtered),
      baselineOf: BASE_FILTERED,
    },
    { name: 'accounts.list', url: apiUrl, request: asUser(shipped.accounts) },
    { name: 'insights.cashflow (1 year, month)', url: apiUrl, request: asUser(shipped.cashflow) },
  ];

  // BENCH_ONLY=<regex>: run only the matching scenarios (e.g. to profile one of them).
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
  if (only) scenarios.splice(0, scenarios.length, ...scenarios.filter((s) => only.test(s.name)));

  // Warm up every path (plans, pools, JIT) before measuring.
  for (const s of scenarios)
    await autocannon({ url: s.url, connections: 8, duration: 2, requests: [s.request] });

  type Run = { result: CannonResult; cpu?: number };
  const runs = new Map<string, Run[]>(scenarios.map((s) => [s.name, []]));
  async function measure(s: Scenario): Promise<void> {
    // CPU per request: at saturation it sets throughput and p99, and is far steadier between runs.
    const cpuBefore = cpuSeconds(child.pid);
    const result = await autocannon({
      url: s.url,
      connections: CONNECTIONS,
      duration: DURATION,
      requests: [s.request],
    });
    const cpuAfter = cpuSeconds(child.pid);
    if (result.non2xx > 0 || result.errors > 0)
      log(`  ! ${s.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    const cpu =
      cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0
        ? ((cpuAfter - cpuBefore) * 1e6) / result.requests.total
        : undefined;
    runs.get(s.name)?.push({ result, cpu });
  }

  // A baseline and the scenarios measured against it run in turn, ROUNDS times: a drift of the
  // shared machine then falls on all alike, each round's ratio compares neighbours in time, and
  // the median round sets an unlucky one aside. The other scenarios run once.
  const groups = scenarios
    .filter((base) => scenarios.some((s) => s.baselineOf === base.name))
    .map((base) => [base, ...scenarios.filter((s) => s.baselineOf === base.name)]);
  const grouped = new Set(groups.flat().map((s) => s.name));
  for (let round = 0; round < ROUNDS; round++) {
    for (const group of groups) for (const s of group) await measure(s);
  }
  for (const s of scenarios) if (!grouped.has(s.name)) await measure(s);

  const median = (values: number[]): number | undefined => {
    if (values.length === 0) return undefined;
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  };
  const defined = (values: (number | undefined)[]) => values.filter((v): v is number => v !== undefined);

  log(
    `\nbench/api-load — concurrency ${CONNECTIONS}, ${DURATION} s per run, ${ROUNDS} rounds against each baseline (medians), pool ${POOL}, node ${process.version}`,
  );
  log(
    `  ${'scenario'.padEnd(42)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'req/s'.padStart(9)} ${'CPU µs/req'.padStart(11)} ${'p99 vs base'.padStart(12)} ${'req/s vs base'.padStart(14)} ${'CPU vs base'.padStart(12)}`,
  );
  const cell = (value: number | undefined, width: number, digits = 2, suffix = '×') =>
    (value === undefined ? '' : `${value.toFixed(digits)}${suffix}`).padStart(width);
  // Unmet unless the scenario ran, answered every request with 2xx, and had its baseline.
  const verdicts: string[] = [];
  for (const s of scenarios) {
    const own = runs.get(s.name) ?? [];
    if (own.length === 0) continue;
    const base = s.baselineOf && grouped.has(s.name) ? (runs.get(s.baselineOf) ?? []) : [];
    // Round i of a scenario ran right after round i of its baseline.
    const perRound = (f: (run: Run) => number | undefined) =>
      defined(
        own.map((run, i) => {
          const baseRun = base[i];
          const [a, b] = baseRun ? [f(run), f(baseRun)] : [undefined, undefined];
          return a !== undefined && b ? a / b : undefined;
        }),
      );
    const p99Ratios = perRound((run) => run.result.latency.p99);
    const ratio = median(p99Ratios);
    const cpuRatio = median(perRound((run) => run.cpu));
    const failed = own.some(
      (run) => run.result.non2xx > 0 || run.result.errors > 0 || run.result.requests.total === 0,
    );
    if (s.target) {
      const p99Met = !failed && ratio !== undefined && ratio <= P99_TARGET;
      const cpuMet = !failed && cpuRatio !== undefined && cpuRatio <= CPU_TARGET;
      verdicts.push(
        `  target ${s.name}: p99 ≤ ${P99_TARGET}× ${p99Met ? 'met' : 'NOT met'}, CPU/request ≤ ${CPU_TARGET}× ${cpuMet ? 'met' : 'NOT met'} (median round)`,
      );
    }
    log(
      `  ${s.name.padEnd(42)} ${cell(median(own.map((r) => r.result.latency.p50)), 8, 1, '')} ${cell(median(own.map((r) => r.result.latency.p99)), 8, 1, '')} ${cell(median(own.map((r) => r.result.requests.average)), 9, 0, '')} ${cell(median(defined(own.map((r) => r.cpu))), 11, 0, '')} ${cell(ratio, 12)} ${cell(median(perRound((run) => run.result.requests.average)), 14)} ${cell(cpuRatio, 12)}`,
    );
    if (p99Ratios.length > 1)
      log(`  ${''.padEnd(42)} p99 vs base by round: ${p99Ratios.map((r) => `${r.toFixed(2)}×`).join(', ')}`);
  }
  for (const line of verdicts) log(line);

  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
} finally {
  await admin.end();
  await db.drop();
  await stopTestServer();
}
