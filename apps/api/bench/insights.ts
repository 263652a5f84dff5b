/**
 * pnpm --filter @tenant/api bench (insights part) — the insights page's queries at
 * BENCH_INSIGHTS_PER_USER (default 50 000) booked transactions a year per user, BENCH_INSIGHTS_USERS
 * (default 10) users of 4 accounts each, through the api process as deployed (src/main.ts) and
 * in the request shape of the shipped client: each request is the one `createTenantClient`
 * (@tenant/client, httpBatchLink) sent when the bench called it, replayed by autocannon.
 *
 *   insights.cashflow          a year by month
 *   insights.topCounterparties a year, top 100 (what the web app asks)
 *   insights page              both in one batched request, as the page opens
 *
 * Beside them, in the same run, the cash flow statement itself on one connection (no HTTP): the
 * monthly rollup read the api runs for the app's ranges, the daily one it ran before the monthly
 * rollup, and the aggregate over raw transactions that the insights ran before the rollups (with
 * the covering index it had, built for the measurement and dropped after).
 * Target: p99 ≤ 25 ms for each api scenario. Transactions are seeded by SQL, so the rollups are
 * built once with rebuildRollups (the sync engine keeps them as it writes).
 * Env: BENCH_INSIGHTS_USERS, BENCH_INSIGHTS_PER_USER, BENCH_INSIGHTS_CONNECTIONS (8),
 * BENCH_DURATION (10 s).
 */
import { fileURLToPath } from 'node:url';
import { createTenantClient } from '@tenant/client';
import { freePort, rebuildRollups } from '@tenant/domain';
import { createTestDatabase, stopTestServer } from '@tenant/domain/testing';
import { hashBearerToken } from '@tenant/router';
import { cpuSeconds, spawnNode } from '@tenant/spawn';
import autocannon, { type Result as CannonResult } from 'autocannon';
import pg from 'pg';

const USERS = Number(process.env.BENCH_INSIGHTS_USERS ?? 10);
const PER_USER = Number(process.env.BENCH_INSIGHTS_PER_USER ?? 50_000);
const ACCOUNTS = 4;
const CONNECTIONS = Number(process.env.BENCH_INSIGHTS_CONNECTIONS ?? 8);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const TARGET_P99_MS = 25;
const YEAR = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') };
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const log = (line: string) => console.log(line);

const db = await createTestDatabase({ pool: 2 });
const admin = new pg.Pool({ connectionString: db.url, max: 2 });
let api: ReturnType<typeof spawnNode> | undefined;
try {
  // ---- seed: users, consents, accounts, a year of transactions each ---------------------------------
  const t = performance.now();
  const tokens: string[] = [];
  const userIds: string[] = [];
  await admin.query(
    `insert into servicers (code, name, country) values ('bench_bank', 'Bench Bank', 'Romania');
     insert into skills (servicer_id, code, name, kind, flow)
       select id, 'bench_ro_aisp_sbx_#1.0', 'Bench', 'aisp', '[]' from servicers where code = 'bench_bank';`,
  );
  for (let i = 0; i < USERS; i++) {
    const token = `insights-bench-${i}-${'x'.repeat(30)}`;
    const { rows } = await admin.query<{ id: string }>(
      `insert into users (email, password_hash, tenant_user_id) values ($1, 'scrypt$bench', gen_random_uuid()) returning id`,
      [`insights${i}@example.com`],
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
     select u.id, (select id from skills where code = 'bench_ro_aisp_sbx_#1.0'), md5(u.id::text), 'x', 'x', 'bench'
       from users u`,
  );
  await admin.query(
    `insert into accounts (user_skill_id, user_id, finqware_account_id, servicer_name, currency, name, raw)
     select us.id, us.user_id, 'acc-' || g, 'Bench Bank', case when g = 4 then 'EUR' else 'RON' end,
            'Account ' || g, '{}'::jsonb
       from user_skills us cross join generate_series(1, $1::int) g`,
    [ACCOUNTS],
  );
  // Spread over the year, a few dozen counterparties (a long tail), 2% pending; amounts exact.
  const perAccount = Math.ceil(PER_USER / ACCOUNTS);
  await admin.query(
    `insert into transactions (account_id, user_id, utx_id, finqware_id, status, amount, credit_debit_indicator,
                               currency, booking_date, description, counterparty, raw)
     select a.id, a.user_id, 'u-' || g, 'f-' || g,
            case when g % 50 = 0 then 'pending' else 'booked' end,
            s.amount, case when s.amount < 0 then 'debit' else 'credit' end, a.currency,
            $2::timestamptz + (g::float8 / $1) * interval '365 days',
            'Card payment', 'Merchant ' || (1 + (g * 7919) % 40), '{}'::jsonb
       from accounts a
       cross join generate_series(1, $1::int) g
       cross join lateral (select round(((random() - 0.7) * 1000)::numeric, 2) + 0 * g as amount) s`,
    [perAccount, YEAR.from.toISOString()],
  );
  const { rows: accountRows } = await admin.query<{ id: string }>('select id from accounts');
  await rebuildRollups(
    db.orm.em.fork(),
    accountRows.map((r) => r.id),
  );
  await admin.query('vacuum analyze');
  const { rows: sizes } = await admin.query<{
    transactions: number;
    daily: number;
    monthly: number;
    counterparty: number;
  }>(
    `select (select count(*) from transactions)::int as transactions,
            (select count(*) from transaction_daily_totals)::int as daily,
            (select count(*) from transaction_monthly_totals)::int as monthly,
            (select count(*) from counterparty_monthly_flows)::int as counterparty`,
  );
  const size = sizes[0] as { transactions: number; daily: number; monthly: number; counterparty: number };
  log(
    `seeded ${size.transactions.toLocaleString('en')} transactions (${USERS} users × ${ACCOUNTS} accounts), rollups ${size.daily.toLocaleString('en')} daily + ${size.monthly.toLocaleString('en')} monthly + ${size.counterparty.toLocaleString('en')} counterparty-month rows, in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  // ---- the statements alone, on one connection --------------------------------------------------------
  const statement = async (sql: string, params: (user: string) => unknown[], runs = 30) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await admin.query(sql, params(userIds[i % USERS] as string));
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1] as number;
  };
  const RAW_CASHFLOW = `select (date_trunc('month', t.booking_date at time zone 'UTC') at time zone 'UTC') as period, t.currency,
            coalesce(sum(t.amount) filter (where t.amount > 0), 0)::text as inflow,
            coalesce(-sum(t.amount) filter (where t.amount < 0), 0)::text as outflow,
            sum(t.amount)::text as net, count(*) as count
       from transactions t
      where t.user_id = $1 and t.status = 'booked' and t.booking_date >= $2 and t.booking_date < $3
      group by 1, 2 order by 1, 2`;
  // What insights.cashflow runs for a range of whole months (the app's), and the daily form it ran before.
  const MONTHLY_CASHFLOW = `select (m.month::timestamp at time zone 'UTC') as period, m.currency,
            coalesce(sum(m.total) filter (where m.direction = 'credit'), 0)::text as inflow,
            (-coalesce(sum(m.total) filter (where m.direction = 'debit'), 0))::text as outflow,
            (coalesce(sum(m.total) filter (where m.direction = 'credit'), 0)
             + coalesce(sum(m.total) filter (where m.direction = 'debit'), 0))::text as net,
            sum(m.count)::int as count
       from transaction_monthly_totals m
      where m.user_id = $1 and m.month >= $2::date and m.month < $3::date and m.count > 0
      group by m.month, m.currency order by m.month, m.currency`;
  const ROLLUP_CASHFLOW = `select (date_trunc('month', d.day::timestamp) at time zone 'UTC') as period, d.currency,
            coalesce(sum(d.total) filter (where d.total > 0), 0)::text as inflow,
            coalesce(-sum(d.total) filter (where d.total < 0), 0)::text as outflow,
            sum(d.total)::text as net, sum(d.count)::int as count
       from transaction_daily_totals d
      where d.user_id = $1 and d.day >= $2::date and d.day < $3::date and d.count > 0
      group by 1, 2 order by 1, 2`;
  const yearParams = (user: string) => [user, YEAR.from.toISOString(), YEAR.to.toISOString()];
  const yearDays = (user: string) => [user, '2026-01-01', '2027-01-01'];
  const monthlyMs = await statement(MONTHLY_CASHFLOW, yearDays);
  const rollupMs = await statement(ROLLUP_CASHFLOW, yearDays);
  await admin.query(
    `create index bench_old_insights_index on transactions (user_id, booking_date) include (amount, currency, counterparty) where status = 'booked'`,
  );
  await admin.query('vacuum analyze transactions');
  const rawMs = await statement(RAW_CASHFLOW, yearParams, 10);
  await admin.query('drop index bench_old_insights_index');

  // ---- the api, as deployed -----------------------------------------------------------------------------
  const port = await freePort();
  api = spawnNode(MAIN, {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      API_PORT: String(port),
      ADMIN_PORT: '0',
      // A request line per call would measure the terminal, not the api.
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const apiUrl = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    const up = await fetch(`${apiUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (tries > 300 || api.exitCode !== null) throw new Error('the api did not start');
    await new Promise((r) => setTimeout(r, 100));
  }

  // ---- the client's requests, captured: what createTenantClient sends for each user --------------------
  type Captured = { path: string; headers: Record<string, string> };
  const capture = async (call: (client: ReturnType<typeof createTenantClient>) => Promise<unknown>) => {
    const sent: Captured[] = [];
    for (const token of tokens) {
      const client = createTenantClient({
        url: `${apiUrl}/trpc`,
        token,
        fetch: (input, init) => {
          const url = new URL(String(input));
          sent.push({
            path: `${url.pathname}${url.search}`,
            headers: Object.fromEntries(new Headers(init?.headers).entries()),
          });
          return fetch(input, init);
        },
      });
      await call(client);
    }
    return sent;
  };
  const top = { ...YEAR, limit: 100 };
  const scenarios = [
    {
      name: 'insights.cashflow (a year by month)',
      requests: await capture(async (c) => {
        const months = await c.insights.cashflow.query({ ...YEAR, interval: 'month' });
        if (months.length < 12) throw new Error(`cashflow answered ${months.length} buckets`);
      }),
    },
    {
      name: 'insights.topCounterparties (a year, 100)',
      requests: await capture((c) => c.insights.topCounterparties.query(top)),
    },
    {
      name: 'insights page (both, one batch)',
      requests: await capture((c) =>
        Promise.all([
          c.insights.cashflow.query({ ...YEAR, interval: 'month' }),
          c.insights.topCounterparties.query(top),
        ]),
      ),
    },
  ];

  let turn = 0;
  const run = (requests: Captured[], duration: number) =>
    autocannon({
      url: apiUrl,
      connections: CONNECTIONS,
      duration,
      requests: [
        {
          setupRequest: (req) => {
            const r = requests[turn++ % requests.length] as Captured;
            return { ...req, method: 'GET', path: r.path, headers: r.headers };
          },
        },
      ],
    });
  for (const s of scenarios) await run(s.requests, 2); // warm-up: plans, pools, JIT

  log(
    `\nbench/insights — ${PER_USER.toLocaleString('en')} transactions a year per user, concurrency ${CONNECTIONS}, ${DURATION} s per scenario, the shipped client's requests (httpBatchLink)`,
  );
  log(
    `  ${'scenario'.padEnd(42)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'req/s'.padStart(8)} ${'CPU µs/req'.padStart(11)}`,
  );
  let met = true;
  for (const s of scenarios) {
    const cpu0 = cpuSeconds(api.pid) ?? Number.NaN;
    const result: CannonResult = await run(s.requests, DURATION);
    const cpu = (((cpuSeconds(api.pid) ?? Number.NaN) - cpu0) * 1e6) / Math.max(1, result.requests.total);
    const ok = result.non2xx === 0 && result.errors === 0 && result.latency.p99 <= TARGET_P99_MS;
    met &&= ok;
    log(
      `  ${s.name.padEnd(42)} ${result.latency.p50.toFixed(1).padStart(8)} ${result.latency.p99.toFixed(1).padStart(8)} ${Math.round(result.requests.average).toString().padStart(8)} ${Math.round(cpu).toString().padStart(11)}   ${ok ? 'ok' : 'ABOVE TARGET'}${result.non2xx || result.errors ? ` (${result.non2xx} non-2xx, ${result.errors} errors)` : ''}`,
    );
  }
  log(`  p99 target ≤ ${TARGET_P99_MS} ms: ${met ? 'met' : 'NOT MET'}`);
  log(
    `  the cash flow statement alone (median, one connection): from the monthly rollups ${monthlyMs.toFixed(2)} ms; from the daily rollups ${rollupMs.toFixed(2)} ms; over raw transactions, as before the rollups (covering index, index-only scan) ${rawMs.toFixed(1)} ms`,
  );
} finally {
  if (api && api.exitCode === null) {
    api.kill('SIGTERM');
    await new Promise((r) => api?.once('exit', r));
  }
  await admin.end();
  await db.drop();
  await stopTestServer();
}
process.exit(process.exitCode ?? 0);
