/**
 * Child process of api-load.ts: serves, on BENCH_DATABASE_URL, (1) the real api and (2) the
 * baseline — the same transactions SQL on bare node:http + pg — so the load generator's CPU is
 * not in their event loop. Prints `{"api":port,"baseline":port}` on stdout when listening.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { createOrm, createVault, DEVELOPMENT_VAULT_KEY, SANDBOX_TENANT_APP } from '@tenant/domain';
import { createFinqwareClient } from '@tenant/finqware-client';
import { defaultRouterConfig, domainVault } from '@tenant/router';
import { createLogger } from '@tenant/runtime';
import pg from 'pg';
import { createMetrics } from '../src/metrics';
import { createApiServer } from '../src/server';

const url = process.env.BENCH_DATABASE_URL as string;
const pool = Number(process.env.BENCH_POOL ?? 16);

const orm = await createOrm({ clientUrl: url, pool });
const api = createApiServer({
  orm,
  fq: createFinqwareClient({ baseUrl: 'http://127.0.0.1:9/v1', ...SANDBOX_TENANT_APP }),
  jobs: {
    enqueueConsentSync: async () => null,
    enqueuePaymentStatus: async () => null,
  },
  vault: domainVault(createVault([DEVELOPMENT_VAULT_KEY])),
  routerConfig: defaultRouterConfig,
  corsOrigins: [],
  // What production runs: LOG_LEVEL's default, `info`, a line per request, through pino's stream
  // as on stdout; into /dev/null, so that the terminal is not what is measured.
  logger: createLogger({
    service: 'api',
    level: process.env.BENCH_LOG_LEVEL ?? 'info',
    destination: '/dev/null',
  }),
  metrics: createMetrics({ orm, defaultMetrics: false }),
});

/** The transactions query of transactions.list, verbatim, without the framework around it. */
export const BASELINE_SQL = (filtered: boolean) => `
  select t.id, t.account_id as "accountId", t.status, t.amount::text as amount,
         t.credit_debit_indicator as "creditDebitIndicator", t.currency,
         (extract(epoch from t.booking_date) * 1000000)::int8 as "bookingDate",
         t.balance_after::text as "balanceAfter", t.description, t.counterparty, t.category
    from transactions t
   where t.user_id = $1${
     filtered
       ? ` and t.status = 'booked' and t.amount >= $2::numeric and t.amount <= $3::numeric
           and (t.description ilike $4 escape '\\' or t.counterparty ilike $4 escape '\\')`
       : ''
   }
   order by t.booking_date desc, t.id desc
   limit 101`;

const baselinePool = new pg.Pool({ connectionString: url, max: pool });
const baseline = createServer(async (req, res) => {
  try {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const filtered = query.has('filtered');
    const params = filtered ? [query.get('user'), '-500', '100', '%pay%'] : [query.get('user')];
    const { rows } = await baselinePool.query(BASELINE_SQL(filtered), params);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ items: rows.slice(0, 100), more: rows.length > 100 }));
  } catch (err) {
    res.writeHead(500);
    res.end(String(err));
  }
});

// BENCH_HEAP_PROF=<file>: V8's sampling heap profile of everything allocated while serving, the
// garbage included (what --heap-prof writes holds only what is still alive at exit).
const heapProfile = process.env.BENCH_HEAP_PROF;
const inspector = heapProfile ? new Session() : undefined;
if (inspector) {
  inspector.connect();
  await inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}

const apiAddress = await api.listen(0, '127.0.0.1');
await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', resolve));
process.stdout.write(
  `${JSON.stringify({ api: apiAddress.port, baseline: (baseline.address() as AddressInfo).port })}\n`,
);

process.on('SIGTERM', async () => {
  if (inspector && heapProfile) {
    const { profile } = await inspector.post('HeapProfiler.stopSampling');
    writeFileSync(heapProfile, JSON.stringify(profile));
  }
  await api.close();
  await new Promise<void>((resolve) => baseline.close(() => resolve()));
  await baselinePool.end();
  await orm.close(true);
  process.exit(0);
});
