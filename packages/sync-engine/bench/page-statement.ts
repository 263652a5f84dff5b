/**
 * pnpm --filter @tenant/sync-engine bench (second part) — what the engine's page write costs
 * beside the raw upsert, with nothing else in the way: the same 40 pages of 2,000 new rows (4
 * accounts, 40 counterparties, a week of days a page) written alternately, page by page, by the
 * raw `unnest … ON CONFLICT` upsert through `pg` (the ingest bench's baseline) into one fresh
 * database and by the engine's `writeTransactionPage` (upsert, rollups, cursor, run counters in
 * one statement, built by Kysely and run through the ORM's driver, as a sync runs it) into
 * another, from this one process. Alternating page by page puts a drift of a shared machine on
 * both sides alike, which the ingest bench, whose sides run a minute apart, cannot.
 * Target: ratio ≥ 0.8.
 */
import { db } from '@tenant/domain';
import { createTestDatabase, stopTestServer, type TestDatabase } from '@tenant/domain/testing';
import pg from 'pg';
import { compileRawUpsert, type TransactionRow } from '../src';
import { insertTestConsent } from '../src/testing';
import { writeTransactionPage } from '../src/writers/transactions';

const PAGES = 40;
const PAGE = 2000;

async function side(database: TestDatabase) {
  const consent = await insertTestConsent(database.orm.em.fork());
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const accounts: string[] = [];
  for (let a = 0; a < 4; a++) {
    const { rows } = await client.query<{ id: string }>(
      `insert into accounts (user_skill_id, user_id, finqware_account_id, servicer_name, currency, raw)
       values ($1, $2, $3, 'Bench Bank', 'RON', '{}') returning id`,
      [consent.consentId, consent.userId, `account-${a}`],
    );
    accounts.push(rows[0]?.id as string);
  }
  const { rows } = await client.query<{ id: string }>(
    `insert into sync_runs (user_skill_id, reason) values ($1, 'initial') returning id`,
    [consent.consentId],
  );
  return { client, consent, accounts, runId: rows[0]?.id as string };
}

const page = (s: Awaited<ReturnType<typeof side>>, p: number): TransactionRow[] =>
  Array.from({ length: PAGE }, (_, i) => ({
    accountId: s.accounts[i % 4] as string,
    userId: s.consent.userId,
    utxId: `p${p}-${i}`,
    finqwareId: `f${p}-${i}`,
    status: 'booked',
    amount: ((i % 500) + 0.25).toFixed(2),
    creditDebitIndicator: i % 3 ? 'debit' : 'credit',
    currency: 'RON',
    bookingDate: new Date(Date.UTC(2026, 0, 1) - (p * PAGE + i) * 300_000).toISOString(),
    balanceAfter: '100.00',
    description: 'Card payment',
    counterparty: `Merchant ${i % 40}`,
    category: 'shopping',
    finqwareTimestamp: new Date(Date.UTC(2026, 0, 1)).toISOString(),
    raw: JSON.stringify({
      id: `p${p}-${i}`,
      info: 'Card payment',
      details: { merchant: `Merchant ${i % 40}` },
    }),
  }));

const dbs = await Promise.all([createTestDatabase({ pool: 1 }), createTestDatabase({ pool: 1 })]);
const [rawDb, engineDb] = dbs as [TestDatabase, TestDatabase];
try {
  const [raw, engine] = [await side(rawDb), await side(engineDb)];
  const k = db(rawDb.orm.em.fork());
  const em = engineDb.orm.em.fork();
  let rawMs = 0;
  let engineMs = 0;
  for (let p = 0; p < PAGES; p++) {
    // Each side's timing starts from the page's rows, so building the parameters counts on both.
    const rawRows = page(raw, p);
    let t = performance.now();
    const upsert = compileRawUpsert(k, rawRows);
    await raw.client.query(upsert.sql, [...upsert.parameters]);
    rawMs += performance.now() - t;
    const rows = page(engine, p);
    t = performance.now();
    await writeTransactionPage(em, {
      rows,
      cursor: {},
      consentId: engine.consent.consentId,
      runId: engine.runId,
      accountsSynced: 4,
    });
    engineMs += performance.now() - t;
  }
  const ratio = rawMs / engineMs;
  console.log(`
bench/page-statement — ${PAGES} pages of ${PAGE} new rows, alternately
  raw unnest upsert through pg (the ingest baseline)  ${rawMs.toFixed(0).padStart(6)} ms
  engine page write (upsert + rollups + cursor)        ${engineMs.toFixed(0).padStart(6)} ms
  raw / engine                                         ${ratio.toFixed(2)}   target ≥ 0.80  ${ratio >= 0.8 ? 'ok' : 'BELOW TARGET'}
`);
  await raw.client.end();
  await engine.client.end();
} finally {
  await Promise.all(dbs.map((database) => database.drop()));
  await stopTestServer();
}
