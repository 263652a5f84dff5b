import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncEngine } from '../src';
import { runSql } from '../src/testing';
import { FakeFinqware } from './fake-finqware';
import { insertConsent, localTransactions, syncRuns } from './fixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

function setup() {
  const fq = new FakeFinqware();
  const engine = createSyncEngine({
    finqware: fq,
    readSecrets: async () => ({ credentialsId: 'cred', accessToken: 'token' }),
    options: { overlapMinutes: 5 },
  });
  const em = () => db.orm.em.fork() as unknown as EntityManager;
  return { fq, engine, em };
}

function finqwareError(kind: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`transactions.get failed (${kind})`), {
    name: 'FinqwareError',
    kind,
    endpoint: 'transactions.get',
    ...extra,
  });
}

describe('syncConsent (engine against an in-memory Finqware)', () => {
  it('backfills every transaction, signs debits, and records the run', async () => {
    const { fq, engine, em } = setup();
    const { consentId } = await insertConsent(em());
    const acc = fq.addAccount();
    for (let i = 0; i < 7; i++) fq.addTransaction({ accountId: acc });
    fq.addTransaction({ accountId: acc, creditDebitIndicator: 'credit', amount: '100.0001' });

    const result = await engine.syncConsent(em(), { consentId, reason: 'initial' });
    expect(result.outcome).toBe('SUCCEEDED');
    const rows = await localTransactions(em(), consentId);
    expect(rows).toHaveLength(8);
    expect(rows.filter((r) => r.amount === '-10.5000')).toHaveLength(7);
    expect(rows.filter((r) => r.amount === '100.0001')).toHaveLength(1);
    expect(await syncRuns(em(), consentId)).toEqual([
      { outcome: 'SUCCEEDED', errorClass: null, inserted: 8, updated: 0, removed: 0 },
    ]);
    const [consent] = await runSql<{ c: { phase: string }; outcome: string; synced: boolean }>(
      em(),
      `SELECT sync_cursor AS c, last_sync_outcome AS outcome, last_synced_at IS NOT NULL AS synced
         FROM user_skills WHERE id = ?`,
      [consentId],
    );
    // The cursor and the consent's last outcome are written by the same statement as the last page.
    expect(consent).toMatchObject({ c: { phase: 'incremental' }, outcome: 'SUCCEEDED', synced: true });
  });

  it('keeps identical twins, books pending in place, removes vanished pending', async () => {
    const { fq, engine, em } = setup();
    const { consentId } = await insertConsent(em());
    const acc = fq.addAccount();
    const twin = {
      accountId: acc,
      amount: '5.00',
      info: 'coffee',
      bookingDateTime: '2026-01-02T08:00:00.000Z',
    };
    fq.addTransaction({ ...twin, utxId: 'twin-a' });
    fq.addTransaction({ ...twin, utxId: 'twin-b' });
    const pending = fq.addTransaction({ accountId: acc, status: 'pending', utxId: 'p-booked' });
    const vanishing = fq.addTransaction({ accountId: acc, status: 'pending', utxId: 'p-vanish' });
    expect((await engine.syncConsent(em(), { consentId, reason: 'initial' })).outcome).toBe('SUCCEEDED');
    expect(await localTransactions(em(), consentId)).toHaveLength(4);

    // Booked in place (same ids, new insert time); the other vanishes and is replaced by a new row.
    pending.status = 'booked';
    pending.timestamp = new Date().toISOString();
    fq.txs = fq.txs.filter((t) => t !== vanishing);
    fq.addTransaction({ accountId: acc, utxId: 'replacement', timestamp: new Date().toISOString() });

    const second = await engine.syncConsent(em(), { consentId, reason: 'scheduled' });
    expect(second.outcome).toBe('SUCCEEDED');
    const rows = await localTransactions(em(), consentId);
    expect(rows.map((r) => [r.utxId, r.status])).toEqual([
      ['p-booked', 'booked'],
      ['replacement', 'booked'],
      ['twin-a', 'booked'],
      ['twin-b', 'booked'],
    ]);
    const runs = await syncRuns(em(), consentId);
    expect(runs[1]).toMatchObject({ outcome: 'SUCCEEDED', inserted: 1, updated: 1, removed: 1 });
  });

  it('keeps a pending row that appears, or is booked in place, after Finqware listed the pending ones', async () => {
    const { fq, engine, em } = setup();
    const { consentId } = await insertConsent(em());
    const acc = fq.addAccount();
    const booking = fq.addTransaction({ accountId: acc, status: 'pending', utxId: 'p-booking' });
    const vanishing = fq.addTransaction({ accountId: acc, status: 'pending', utxId: 'p-vanish' });
    expect((await engine.syncConsent(em(), { consentId, reason: 'initial' })).outcome).toBe('SUCCEEDED');

    // One vanishes before the next sync; while it runs, right after Finqware answered the pending
    // list, one is booked in place and a new pending one arrives: the walk reads both.
    fq.txs = fq.txs.filter((t) => t !== vanishing);
    fq.afterList = () => {
      fq.afterList = null;
      booking.status = 'booked';
      booking.timestamp = new Date().toISOString();
      fq.addTransaction({
        accountId: acc,
        status: 'pending',
        utxId: 'p-new',
        timestamp: new Date().toISOString(),
      });
    };
    expect((await engine.syncConsent(em(), { consentId, reason: 'scheduled' })).outcome).toBe('SUCCEEDED');
    expect((await localTransactions(em(), consentId)).map((r) => [r.utxId, r.status])).toEqual([
      ['p-booking', 'booked'],
      ['p-new', 'pending'],
    ]);
  });

  it('writes balances with their accounts, signed by their indicator, and skips those of unknown accounts', async () => {
    const { fq, engine, em } = setup();
    const { consentId } = await insertConsent(em());
    const acc = fq.addAccount();
    const balance = (id: string, accountId: string, amount: string, creditDebitIndicator: string) => ({
      id,
      accountId,
      amount,
      creditDebitIndicator,
      currency: 'RON',
      type: 'closingBooked',
      timestamp: '2026-01-02T00:00:00.000Z',
      raw: { id },
    });
    fq.balancesData = [
      balance('b-1', acc, '120.5000', 'credit'),
      balance('b-2', 'acc-unknown', '1.00', 'credit'),
    ];
    expect((await engine.syncConsent(em(), { consentId, reason: 'initial' })).outcome).toBe('SUCCEEDED');
    fq.balancesData = [balance('b-1', acc, '80.25', 'debit')];
    expect((await engine.syncConsent(em(), { consentId, reason: 'scheduled' })).outcome).toBe('SUCCEEDED');

    const rows = await runSql<{ id: string; amount: string; account: string }>(
      em(),
      `SELECT b.finqware_balance_id AS id, b.amount::text AS amount, a.finqware_account_id AS account
         FROM balances b JOIN accounts a ON a.id = b.account_id WHERE a.user_skill_id = ?`,
      [consentId],
    );
    expect(rows).toEqual([{ id: 'b-1', amount: '-80.2500', account: acc }]);
  });

  it('resumes a backfill that failed between pages without losing or doubling rows', async () => {
    const { fq, engine, em } = setup();
    const { consentId } = await insertConsent(em());
    const acc = fq.addAccount();
    for (let i = 0; i < 10; i++) fq.addTransaction({ accountId: acc });
    fq.failOnPage = { index: 2, error: finqwareError('transient', { status: 503 }) };

    const first = await engine.syncConsent(em(), { consentId, reason: 'initial' });
    expect(first.outcome).toBe('RETRYING');
    expect(first.outcome !== 'SKIPPED' && first.outcome !== 'SUCCEEDED' && first.disposition).toEqual({
      action: 'retry',
    });
    expect(await localTransactions(em(), consentId)).toHaveLength(6);

    const pagesBefore = fq.pagesFetched;
    const second = await engine.syncConsent(em(), { consentId, reason: 'retry' });
    expect(second.outcome).toBe('SUCCEEDED');
    // Resumed from the saved cursor: only the remaining 4 rows (2 pages) were fetched again.
    expect(fq.pagesFetched - pagesBefore).toBe(2);
    const rows = await localTransactions(em(), consentId);
    expect(new Set(rows.map((r) => r.utxId)).size).toBe(10);
    expect(rows).toHaveLength(10);
  });

  it('reads rows inserted behind a backfill that was interrupted and resumed after the clock moved on', async () => {
    const { fq, engine, em } = setup();
    const { consentId } = await insertConsent(em());
    const acc = fq.addAccount();
    // Finqware stamps the whole history with the consent's creation time.
    const created = '2026-01-01T00:00:00.000Z';
    const day = (n: number) => new Date(Date.parse(created) + n * 86_400_000).toISOString();
    const history = Array.from({ length: 9 }, (_, i) =>
      fq.addTransaction({ accountId: acc, timestamp: created, bookingDateTime: day(-20 + i) }),
    );
    const oldPending = history[1]!;
    oldPending.status = 'pending';
    // The first page (the 3 newest bookings) commits, then the walk dies (a killed worker).
    fq.failOnPage = { index: 1, error: finqwareError('transient', { status: 503 }) };
    expect((await engine.syncConsent(em(), { consentId, reason: 'initial' })).outcome).toBe('RETRYING');

    // Day 1: a new row appears in the booking window the walk has already passed.
    const behind = fq.addTransaction({ accountId: acc, timestamp: day(1), bookingDateTime: day(0.5) });
    // Day 2: an old pending row, in a window not read yet, books in place (a new insert time).
    oldPending.status = 'booked';
    oldPending.timestamp = day(2);

    // The retry finishes the backfill (it sees the day-2 row); the next sync must still find the day-1 row.
    expect((await engine.syncConsent(em(), { consentId, reason: 'retry' })).outcome).toBe('SUCCEEDED');
    expect((await engine.syncConsent(em(), { consentId, reason: 'scheduled' })).outcome).toBe('SUCCEEDED');
    const rows = await localTransactions(em(), consentId);
    expect(rows.map((r) => r.utxId).sort()).toEqual([...history, behind].map((t) => t.utxId).sort());
    expect(rows.find((r) => r.utxId === oldPending.utxId)?.status).toBe('booked');
  });

  it('closes the run of a worker that died mid-sync when the next run of the consent starts', async () => {
    const { fq, engine, em } = setup();
    const { consentId } = await insertConsent(em());
    fq.addTransaction({ accountId: fq.addAccount() });
    // What a SIGKILLed worker leaves behind: its run row, still RUNNING.
    await runSql(
      em(),
      `INSERT INTO sync_runs (user_skill_id, reason, outcome) VALUES (?, 'scheduled', 'RUNNING')`,
      [consentId],
    );

    expect((await engine.syncConsent(em(), { consentId, reason: 'retry' })).outcome).toBe('SUCCEEDED');
    expect(await syncRuns(em(), consentId)).toEqual(
      expect.arrayContaining([
        { outcome: 'FAILED', errorClass: 'internal', inserted: 0, updated: 0, removed: 0 },
        { outcome: 'SUCCEEDED', errorClass: null, inserted: 1, updated: 0, removed: 0 },
      ]),
    );
    expect((await syncRuns(em(), consentId)).filter((r) => r.outcome === 'RUNNING')).toHaveLength(0);
  });

  it('an attempt overtaken by a newer one of its consent (its job failed back while it ran) writes nothing more', async () => {
    const { fq, em } = setup();
    const { consentId } = await insertConsent(em());
    const acc = fq.addAccount();
    for (let i = 0; i < 12; i++) fq.addTransaction({ accountId: acc });
    // pg-boss fails a job whose heartbeat lapsed on a starved worker and its retry starts while the
    // first attempt still runs: here the retry runs to completion in the middle of the first walk.
    let retry: Promise<unknown> | undefined;
    const port = {
      ...fq,
      accounts: fq.accounts,
      balances: fq.balances,
      transactions: {
        list: fq.transactions.list,
        pages: (auth: unknown, options: Parameters<FakeFinqware['transactions']['pages']>[1]) =>
          (async function* () {
            let n = 0;
            for await (const page of fq.transactions.pages(auth, options)) {
              if (!retry && n++ === 2) {
                retry = engine.syncConsent(em(), { consentId, reason: 'retry' });
                await retry;
              }
              yield page;
            }
          })(),
      },
    };
    const engine = createSyncEngine({
      finqware: port,
      readSecrets: async () => ({ credentialsId: 'cred', accessToken: 'token' }),
      options: { overlapMinutes: 5 },
    });

    const first = await engine.syncConsent(em(), { consentId, reason: 'initial' });
    expect(await retry).toMatchObject({ outcome: 'SUCCEEDED' });
    expect(first.outcome).toBe('RETRYING');
    expect(first.outcome !== 'SKIPPED' && first.outcome !== 'SUCCEEDED' && first.error.message).toMatch(
      /^superseded/,
    );
    // One run succeeded; the overtaken one keeps the record its successor gave it, and between
    // them every row was counted once.
    const runs = await syncRuns(em(), consentId);
    expect(runs.map((r) => [r.outcome, r.errorClass])).toEqual(
      expect.arrayContaining([
        ['FAILED', 'internal'],
        ['SUCCEEDED', null],
      ]),
    );
    expect(runs).toHaveLength(2);
    expect(runs.reduce((sum, r) => sum + r.inserted, 0)).toBe(12);
    expect(await localTransactions(em(), consentId)).toHaveLength(12);
    // The cursor is the one the finished retry left, not a backfill cursor of the overtaken walk.
    const [consent] = await runSql<{ c: { phase: string }; outcome: string; synced: boolean }>(
      em(),
      `SELECT sync_cursor AS c, last_sync_outcome AS outcome, last_synced_at IS NOT NULL AS synced
         FROM user_skills WHERE id = ?`,
      [consentId],
    );
    // The cursor and the consent's last outcome are written by the same statement as the last page.
    expect(consent).toMatchObject({ c: { phase: 'incremental' }, outcome: 'SUCCEEDED', synced: true });
  });

  it('classifies errors: consent → REAUTH_REQUIRED, 429 → retry after the delay, schema → dead letter', async () => {
    const { fq, engine, em } = setup();
    fq.addAccount();
    const a = await insertConsent(em());
    fq.failAccounts = finqwareError('consent', { status: 401, error: { code: 'expired_credentials' } });
    const gone = await engine.syncConsent(em(), { consentId: a.consentId, reason: 'scheduled' });
    expect(gone.outcome).toBe('REAUTH_REQUIRED');
    const [status] = await runSql<{ status: string }>(em(), 'SELECT status FROM user_skills WHERE id = ?', [
      a.consentId,
    ]);
    expect(status?.status).toBe('REAUTH_REQUIRED');
    expect((await engine.syncConsent(em(), { consentId: a.consentId, reason: 'scheduled' })).outcome).toBe(
      'SKIPPED',
    );

    const b = await insertConsent(em());
    fq.failAccounts = finqwareError('rate_limit', { status: 429, retryAfterMs: 7000 });
    const limited = await engine.syncConsent(em(), { consentId: b.consentId, reason: 'scheduled' });
    expect(limited.outcome !== 'SKIPPED' && limited.outcome !== 'SUCCEEDED' && limited.disposition).toEqual({
      action: 'retry_after',
      delayMs: 7000,
    });

    fq.failAccounts = null;
    fq.addTransaction({ accountId: 'acc-1', status: 'settled' });
    const broken = await engine.syncConsent(em(), { consentId: b.consentId, reason: 'retry' });
    expect(broken.outcome).toBe('FAILED');
    expect(broken.outcome === 'FAILED' && broken.error.errorClass).toBe('protocol');
    expect(broken.outcome === 'FAILED' && broken.disposition).toEqual({ action: 'dead_letter' });
    expect((await syncRuns(em(), b.consentId)).map((r) => r.errorClass)).toEqual(['rate_limit', 'protocol']);
  });
});
