import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createQueues, QUEUES } from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { runSql } from '@tenant/sync-engine/testing';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanOut, fanoutJobId } from '../src/fanout';
import { insertBulkConsents } from './helpers';

/** The fan-out against a real queue, in-process (a worker killed mid-fan-out: fanout-kill.test.ts). */
let db: TestDatabase;
let boss: PgBoss;
const em = () => db.orm.em.fork() as unknown as EntityManager;

beforeAll(async () => {
  db = await createTestDatabase({ pool: 2 });
  boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false, max: 2 });
  boss.on('error', () => undefined);
  await boss.start();
  await createQueues(boss);
  await insertBulkConsents(em(), 25);
  await runSql(
    em(),
    `UPDATE user_skills SET status = 'REAUTH_REQUIRED' WHERE id IN (SELECT id FROM user_skills LIMIT 3)`,
  );
});
afterAll(async () => {
  await boss?.stop({ graceful: false });
  await db?.drop();
});

/** consent id → its consent-sync jobs, in any state. */
async function jobsByConsent(): Promise<Map<string, string[]>> {
  const rows = await runSql<{ consentId: string; id: string }>(
    em(),
    `SELECT data->>'consentId' AS "consentId", id FROM pgboss.job WHERE name = ?`,
    [QUEUES.consentSync],
  );
  const byConsent = new Map<string, string[]>();
  for (const row of rows) byConsent.set(row.consentId, [...(byConsent.get(row.consentId) ?? []), row.id]);
  return byConsent;
}

describe('fan-out', () => {
  it('run again under the same id after its first syncs ran or started: enqueues nothing twice', async () => {
    const active = await runSql<{ id: string }>(
      em(),
      `SELECT id FROM user_skills WHERE status = 'ACTIVE' ORDER BY id`,
    );
    const fanoutId = randomUUID();
    const progress: number[] = [];
    const first = await fanOut(em(), boss, {
      spreadSeconds: 0,
      fanoutId,
      batchSize: 10,
      onBatch: (p) => progress.push(p.consents),
    });
    expect(first).toEqual({ consents: 22, enqueued: 22 });
    expect(progress).toEqual([10, 20, 22]);

    // Ten syncs run meanwhile: five finish, five are still running.
    const started = await boss.fetch(QUEUES.consentSync, { batchSize: 10 });
    expect(started).toHaveLength(10);
    await boss.complete(
      QUEUES.consentSync,
      started.slice(0, 5).map((j) => j.id),
    );

    // The retry of the same fan-out job.
    expect(await fanOut(em(), boss, { spreadSeconds: 0, fanoutId, batchSize: 7 })).toEqual({
      consents: 22,
      enqueued: 0,
    });
    const jobs = await jobsByConsent();
    expect(jobs.size).toBe(22);
    for (const { id } of active) expect(jobs.get(id)).toEqual([fanoutJobId(fanoutId, id)]);

    // A new fan-out is another matter: the per-consent singleton lets a consent whose sync has
    // finished or is running have one more, and collapses the rest into the syncs still queued.
    // That is why the singleton alone could not make a retried fan-out harmless.
    expect(await fanOut(em(), boss, { spreadSeconds: 0 })).toEqual({ consents: 22, enqueued: 10 });
  });
});
