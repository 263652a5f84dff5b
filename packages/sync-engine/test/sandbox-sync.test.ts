import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { createFinqwareClient } from '@tenant/finqware-client';
import { type RunningSandbox, startSandbox, TENANT_APP } from '@tenant/finqware-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncEngine } from '../src';
import { insertTestConsent, localLines, runSql, truthLines } from '../src/testing';

/** The engine against the sandbox over HTTP, checked against its ground truth. */
const BANK_CUSTOMER = '3f6c1a2e-8b4d-4c7e-9a15-2d0e7b9c4f61';
let db: TestDatabase;
let sandbox: RunningSandbox;
const em = () => db.orm.em.fork() as unknown as EntityManager;

beforeAll(async () => {
  [db, sandbox] = await Promise.all([
    createTestDatabase(),
    startSandbox({ seed: 'engine-sandbox-test', history: { transactionsPerAccount: 1500, days: 120 } }),
  ]);
});
afterAll(async () => {
  await Promise.all([db?.drop(), sandbox?.close()]);
});

async function connect(tenantUserId?: string) {
  const local = await insertTestConsent(em(), tenantUserId ? { tenantUserId } : {});
  const minted = sandbox.control.createConsent({
    tenantUserId: local.tenantUserId,
    skill: 'rzb_ro_aisp_sbx_#1.0',
  });
  const finqware = createFinqwareClient({ baseUrl: sandbox.apiUrl, ...TENANT_APP, retry: false });
  const engine = createSyncEngine({
    finqware,
    readSecrets: async () => ({ credentialsId: minted.credentialsId, accessToken: minted.accessToken }),
    // Small pages so that a history spans many page transactions.
    options: { overlapMinutes: 60, targetPageSize: 200 },
  });
  const truth = () =>
    truthLines(sandbox.control.truth({ credentialsId: minted.credentialsId }), minted.credentialsId);
  return { ...local, minted, engine, truth };
}

describe('sync against the sandbox', () => {
  it('first sync equals the truth; after the clock moves, incremental syncs keep it equal', async () => {
    // A fixed bank customer: the sandbox derives accounts, pending rows and what becomes of them from
    // (seed, tenant user), so this one deterministically has several accounts and vanishing pending rows.
    const c = await connect(BANK_CUSTOMER);
    const first = await c.engine.syncConsent(em(), { consentId: c.consentId, reason: 'initial' });
    expect(first.outcome).toBe('SUCCEEDED');
    const expected = c.truth();
    expect(expected.length).toBeGreaterThan(1000); // many pages of 200
    expect(await localLines(em(), c.consentId)).toEqual(expected);
    expect(first.outcome === 'SUCCEEDED' && first.counts.inserted).toBe(expected.length);

    // Identical twins (same booking time, amount, text, counterparty; distinct utx_id) are both kept.
    const [twins] = await runSql<{ n: number }>(
      em(),
      `SELECT count(*)::int AS n FROM (
         SELECT 1 FROM transactions t JOIN accounts a ON a.id = t.account_id WHERE a.user_skill_id = ?
          GROUP BY t.account_id, t.booking_date, t.amount, t.description, t.counterparty HAVING count(*) > 1) d`,
      [c.consentId],
    );
    expect(twins?.n).toBeGreaterThan(0);

    const pendingBefore = await runSql<{ utx: string }>(
      em(),
      `SELECT t.utx_id AS utx FROM transactions t JOIN accounts a ON a.id = t.account_id
        WHERE a.user_skill_id = ? AND t.status = 'pending'`,
      [c.consentId],
    );
    expect(pendingBefore.length).toBeGreaterThan(0);

    // Time passes at the bank: new rows, pending ones book in place, vanish or are replaced.
    for (let day = 0; day < 4; day++) {
      sandbox.control.advanceClock({ advanceDays: 1 });
      const next = await c.engine.syncConsent(em(), { consentId: c.consentId, reason: 'scheduled' });
      expect(next.outcome).toBe('SUCCEEDED');
      expect(await localLines(em(), c.consentId)).toEqual(c.truth());
    }
    const formerPending = await runSql<{ status: string }>(
      em(),
      `SELECT t.status FROM transactions t JOIN accounts a ON a.id = t.account_id
        WHERE a.user_skill_id = ? AND t.utx_id = ANY(?::text[])`,
      [c.consentId, pendingBefore.map((p) => p.utx)],
    );
    // Booked in place: same utx_id, now booked, one row each; vanished ones are gone.
    expect(formerPending.every((r) => r.status === 'booked')).toBe(true);
    expect(formerPending.length).toBeGreaterThan(0);
    expect(formerPending.length).toBeLessThan(pendingBefore.length + 1);
    const [runs] = await runSql<{ removed: number; updated: number }>(
      em(),
      `SELECT sum(removed)::int AS removed, sum(updated)::int AS updated FROM sync_runs WHERE user_skill_id = ?`,
      [c.consentId],
    );
    expect(runs?.updated).toBeGreaterThan(0);
    expect(runs?.removed).toBeGreaterThan(0);
  });

  it('a consent expired at Finqware becomes REAUTH_REQUIRED and is not synced again', async () => {
    const c = await connect();
    sandbox.control.expireConsent({ credentialsId: c.minted.credentialsId });
    const result = await c.engine.syncConsent(em(), { consentId: c.consentId, reason: 'scheduled' });
    expect(result.outcome).toBe('REAUTH_REQUIRED');
    const [row] = await runSql<{ status: string; last: string }>(
      em(),
      'SELECT status, last_sync_outcome AS last FROM user_skills WHERE id = ?',
      [c.consentId],
    );
    expect(row).toEqual({ status: 'REAUTH_REQUIRED', last: 'REAUTH_REQUIRED' });
    expect((await c.engine.syncConsent(em(), { consentId: c.consentId, reason: 'scheduled' })).outcome).toBe(
      'SKIPPED',
    );
  });
});
