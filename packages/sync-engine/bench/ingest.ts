/**
 * pnpm --filter @tenant/sync-engine bench — one consent with ~100k transactions in the sandbox,
 * fully synced into PostgreSQL, compared with the raw baseline measured in the same run:
 *
 *   baseline      the same rows, upserted with the same unnest statement through `pg`, one
 *                 transaction per page of the same size (no HTTP, no mapping, no cursor)
 *   write stage   the engine's per-page statement: upsert + cursor + run counters, atomically
 *                 (mapping Finqware rows to columns is timed apart and counted in end-to-end)
 *   end-to-end    the whole sync: HTTP from the sandbox, parsing, validation, writes
 *
 * The engine runs in a child process so its peak RSS is measured alone. Each side gets a fresh
 * database. BENCH_TRANSACTIONS (default 100000), BENCH_PAGE_SIZE (default 2000).
 */

import { fileURLToPath } from 'node:url';
import { db } from '@tenant/domain';
import { createTestDatabase, stopTestServer } from '@tenant/domain/testing';
import { createFinqwareClient } from '@tenant/finqware-client';
import { startSandbox, TENANT_APP } from '@tenant/finqware-sandbox';
import { spawnNode } from '@tenant/spawn';
import pg from 'pg';
import { compileRawUpsert, toTransactionRow } from '../src';
import { insertTestConsent, runSql } from '../src/testing';

const TARGET = Number(process.env.BENCH_TRANSACTIONS ?? 100_000);
const PAGE = Number(process.env.BENCH_PAGE_SIZE ?? 2000);
const SKILL = 'rzb_ro_aisp_sbx_#1.0';
const TENANT_USER = '00000000-0000-4000-8000-00000000b001';

const sandbox = await startSandbox({ seed: 'bench-ingest', history: { days: 365 } });
const [engineDb, baselineDb] = await Promise.all([
  createTestDatabase({ pool: 2 }),
  createTestDatabase({ pool: 2 }),
]);
try {
  // A consent of ~TARGET rows: learn the user's account count, then mint with the right volume.
  const probe = sandbox.control.createConsent({
    tenantUserId: TENANT_USER,
    skill: SKILL,
    transactionsPerAccount: 1,
  });
  const accounts = sandbox.control.truth({ credentialsId: probe.credentialsId, summary: true }).consents[0]
    ?.accounts.length as number;
  const count = (credentialsId: string) =>
    (sandbox.control.truth({ credentialsId, summary: true }).consents[0]?.accounts ?? []).reduce(
      (sum, a) => sum + a.transactionCount,
      0,
    );
  let volume = Math.ceil(TARGET / accounts);
  let minted = sandbox.control.createConsent({
    tenantUserId: TENANT_USER,
    skill: SKILL,
    transactionsPerAccount: volume,
  });
  const got = count(minted.credentialsId);
  if (got < TARGET) {
    // Part of each account's sequence lies in the future; scale the volume up once.
    volume = Math.ceil((volume * TARGET) / got) + 1;
    minted = sandbox.control.createConsent({
      tenantUserId: TENANT_USER,
      skill: SKILL,
      transactionsPerAccount: volume,
    });
  }
  const fq = createFinqwareClient({ baseUrl: sandbox.apiUrl, ...TENANT_APP, timeoutMs: 60_000 });
  const auth = { ...minted, tenantUserId: TENANT_USER };

  // ---- engine, in its own process ----
  const engineConsent = await insertTestConsent(engineDb.orm.em.fork(), { tenantUserId: TENANT_USER });
  const engine = await runEngine({
    BENCH_DATABASE_URL: engineDb.url,
    BENCH_API_URL: sandbox.apiUrl,
    BENCH_CLIENT_ID: TENANT_APP.clientId,
    BENCH_CLIENT_SECRET: TENANT_APP.clientSecret,
    BENCH_CLIENT_APP_KEY: TENANT_APP.clientAppKey,
    BENCH_CREDENTIALS_ID: minted.credentialsId,
    BENCH_ACCESS_TOKEN: minted.accessToken,
    BENCH_CONSENT_ID: engineConsent.consentId,
    BENCH_PAGE_SIZE: String(PAGE),
  });

  // ---- baseline: the same rows, fetched up front, then only the upserts are timed ----
  const baseConsent = await insertTestConsent(baselineDb.orm.em.fork(), { tenantUserId: TENANT_USER });
  const accountIds = new Map<string, string>();
  for (const account of await fq.accounts.list(auth)) {
    const [row] = await runSql<{ id: string }>(
      baselineDb.orm.em.fork(),
      `INSERT INTO accounts (user_skill_id, user_id, finqware_account_id, servicer_name, currency, raw)
       VALUES (?, ?, ?, ?, ?, '{}') RETURNING id`,
      [baseConsent.consentId, baseConsent.userId, account.id, account.servicerName, account.currency],
    );
    accountIds.set(account.id, (row as { id: string }).id);
  }
  // The same windows the engine walked (the client's adaptive pages), mapped up front: only the
  // statements are timed. One autocommit statement per page, like the engine's.
  const pages: { sql: string; parameters: readonly unknown[] }[] = [];
  const k = db(baselineDb.orm.em.fork());
  for await (const page of fq.transactions.pages(auth, { by: 'booking_date', targetPageSize: PAGE })) {
    if (page.items.length === 0) continue;
    pages.push(
      compileRawUpsert(
        k,
        page.items.map((tx) =>
          toTransactionRow(tx, accountIds.get(tx.accountId) as string, baseConsent.userId),
        ),
      ),
    );
  }
  const client = new pg.Client({ connectionString: baselineDb.url });
  await client.connect();
  let baseRows = 0;
  const t0 = performance.now();
  for (const q of pages) baseRows += (await client.query(q.sql, [...q.parameters])).rowCount ?? 0;
  const baseMs = performance.now() - t0;
  await client.end();

  const rate = (rows: number, ms: number) => rows / (ms / 1000);
  const baseline = rate(baseRows, baseMs);
  const write = rate(engine.rows, engine.writeMs);
  const e2e = rate(engine.rows, engine.totalMs);
  const fmt = (n: number) => Math.round(n).toLocaleString('en').padStart(10);
  const verdict = (ok: boolean) => (ok ? 'ok' : 'BELOW TARGET');
  console.log(`
bench/ingest — one consent, ${engine.rows.toLocaleString('en')} transactions (${accounts} accounts), pages of ${PAGE}
  baseline: raw unnest upsert via pg      ${fmt(baseline)} rows/s   (${baseRows.toLocaleString('en')} rows in ${(baseMs / 1000).toFixed(2)} s)
  engine write stage                      ${fmt(write)} rows/s   (${engine.pages} pages in ${(engine.writeMs / 1000).toFixed(2)} s; + mapping ${(engine.mapMs / 1000).toFixed(2)} s)
  engine end-to-end (HTTP → PostgreSQL)   ${fmt(e2e)} rows/s   (${(engine.totalMs / 1000).toFixed(2)} s)
  write stage / baseline                  ${(write / baseline).toFixed(2)}   target ≥ 0.80  ${verdict(write / baseline >= 0.8)}
  end-to-end / baseline                   ${(e2e / baseline).toFixed(2)}   target ≥ 0.50  ${verdict(e2e / baseline >= 0.5)}
  engine process peak RSS                 ${engine.maxRssMb.toFixed(0).padStart(10)} MB       target ≤ 256  ${verdict(engine.maxRssMb <= 256)}
`);
  if (baseRows !== engine.rows)
    console.error(`row counts differ: baseline ${baseRows}, engine ${engine.rows}`);
} finally {
  await Promise.all([engineDb.drop(), baselineDb.drop(), sandbox.close()]);
  await stopTestServer();
}
// A script: do not wait for idle keep-alive sockets of the HTTP client to time out.
process.exit(process.exitCode ?? 0);

type EngineReport = {
  rows: number;
  pages: number;
  writeMs: number;
  mapMs: number;
  totalMs: number;
  maxRssMb: number;
};

function runEngine(env: Record<string, string>): Promise<EngineReport> {
  const script = fileURLToPath(new URL('./ingest-engine.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawnNode(script, {
      // The engine's heap is capped like a production worker's would be: the live set is a couple
      // of pages, and without a cap V8 lets dead pages pile up in old space before collecting.
      nodeFlags: (process.env.BENCH_ENGINE_NODE_OPTIONS ?? '--max-old-space-size=128')
        .split(' ')
        .filter(Boolean),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`engine process exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) as string) as EngineReport);
      } catch (err) {
        reject(err);
      }
    });
  });
}
