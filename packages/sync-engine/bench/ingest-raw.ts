/**
 * The raw side of bench/ingest.ts under the engine's conditions, in a process of its own laid out
 * like the engine's (bench/ingest-engine.ts): it walks the same sandbox pages over HTTP, the next
 * page's request in flight and parsed while the current page is written, maps each page to rows,
 * and times only the raw upsert through `pg`. Its writes therefore share the machine with the
 * sandbox generating and this process parsing the next page, as the engine's do.
 * Input: env BENCH_* set by the parent. Output: one JSON line on stdout.
 */
import { createOrm, db } from '@tenant/domain';
import { createFinqwareClient } from '@tenant/finqware-client';
// By its package name: sources under the workspace condition, the build (dist) without it.
import { compileRawUpsert, toTransactionRow } from '@tenant/sync-engine';
import pg from 'pg';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

/** The engine's prefetch (sync-consent.ts): one page in hand, the next one's request in flight. */
async function* prefetched<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pending = iterator.next();
  for (;;) {
    const current = await pending;
    if (current.done) return;
    pending = iterator.next();
    yield current.value;
  }
}

const orm = await createOrm({ clientUrl: env('BENCH_DATABASE_URL'), pool: 1 });
const client = new pg.Client({ connectionString: env('BENCH_DATABASE_URL') });
await client.connect();
const fq = createFinqwareClient({
  baseUrl: env('BENCH_API_URL'),
  clientId: env('BENCH_CLIENT_ID'),
  clientSecret: env('BENCH_CLIENT_SECRET'),
  clientAppKey: env('BENCH_CLIENT_APP_KEY'),
  timeoutMs: 60_000,
});
const auth = {
  credentialsId: env('BENCH_CREDENTIALS_ID'),
  accessToken: env('BENCH_ACCESS_TOKEN'),
  tenantUserId: env('BENCH_TENANT_USER_ID'),
};
const consentId = env('BENCH_CONSENT_ID');
const userId = env('BENCH_USER_ID');
const accountIds = new Map<string, string>();
for (const account of await fq.accounts.list(auth)) {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO accounts (user_skill_id, user_id, finqware_account_id, servicer_name, currency, raw)
     VALUES ($1, $2, $3, $4, $5, '{}') RETURNING id`,
    [consentId, userId, account.id, account.servicerName, account.currency],
  );
  accountIds.set(account.id, rows[0]?.id as string);
}
const k = db(orm.em.fork());
let rows = 0;
let pages = 0;
let writeMs = 0;
const pageSize = Number(process.env.BENCH_PAGE_SIZE ?? 2000);
for await (const page of prefetched(
  fq.transactions.pages(auth, { by: 'booking_date', targetPageSize: pageSize }),
)) {
  if (page.items.length === 0) continue;
  const mapped = page.items.map((tx) => toTransactionRow(tx, accountIds.get(tx.accountId) as string, userId));
  // Timed from the page's rows, as the engine's write stage is: columns, statement, round trip.
  const started = performance.now();
  const upsert = compileRawUpsert(k, mapped);
  rows += (await client.query(upsert.sql, [...upsert.parameters])).rowCount ?? 0;
  writeMs += performance.now() - started;
  pages++;
}
await client.end();
await orm.close();
console.log(JSON.stringify({ rows, pages, writeMs, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
process.exit(0);
