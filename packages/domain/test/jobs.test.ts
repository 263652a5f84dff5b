import { randomUUID } from 'node:crypto';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentSyncJob, consentSyncSendOptions, createQueues, QUEUES } from '../src';
import { createTestDatabase, type TestDatabase } from '../src/testing';

describe('job contracts (pg-boss)', () => {
  let db: TestDatabase;
  let boss: PgBoss;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false });
    boss.on('error', () => undefined);
    await boss.start();
    await createQueues(boss);
    await createQueues(boss); // idempotent
  });
  afterAll(async () => {
    await boss?.stop({ graceful: false });
    await db?.drop();
  });

  it('creates the queues with their policies and dead letter', async () => {
    const sync = await boss.getQueue(QUEUES.consentSync);
    expect(sync).toMatchObject({
      policy: 'stately',
      deadLetter: QUEUES.consentSyncDeadLetter,
      retryBackoff: true,
    });
    for (const name of [QUEUES.syncFanout, QUEUES.consentCheck, QUEUES.consentSyncDeadLetter]) {
      expect(await boss.getQueue(name)).not.toBeNull();
    }
  });

  it('holds at most one queued and one active sync per consent', async () => {
    const consentId = randomUUID();
    const job = consentSyncJob({ consentId, reason: 'manual' });
    const first = await boss.send(QUEUES.consentSync, job, consentSyncSendOptions(consentId));
    expect(first).toEqual(expect.any(String));
    // A duplicate while one is queued collapses into it.
    expect(await boss.send(QUEUES.consentSync, job, consentSyncSendOptions(consentId))).toBeNull();
    // Another consent is independent.
    const other = randomUUID();
    expect(
      await boss.send(
        QUEUES.consentSync,
        { consentId: other, reason: 'manual' },
        consentSyncSendOptions(other),
      ),
    ).toEqual(expect.any(String));

    const [active] = await boss.fetch(QUEUES.consentSync, { batchSize: 1 });
    if (!active) throw new Error('expected a job to fetch');
    const activeKey = (active.data as { consentId: string }).consentId;
    // While it runs, one follow-up may queue, a second may not…
    expect(
      await boss.send(
        QUEUES.consentSync,
        { consentId: activeKey, reason: 'manual' },
        consentSyncSendOptions(activeKey),
      ),
    ).toEqual(expect.any(String));
    expect(
      await boss.send(
        QUEUES.consentSync,
        { consentId: activeKey, reason: 'manual' },
        consentSyncSendOptions(activeKey),
      ),
    ).toBeNull();
    // …and the follow-up is not handed out while the first is active.
    const next = await boss.fetch(QUEUES.consentSync, { batchSize: 10 });
    expect(next.map((j) => (j.data as { consentId: string }).consentId)).not.toContain(activeKey);
  });

  it('rejects a malformed payload naming the field', () => {
    expect(() => consentSyncJob({ consentId: 'nope', reason: 'manual' })).toThrow(/consentId/);
    expect(() => consentSyncJob({ consentId: randomUUID(), reason: 'later' as never })).toThrow(/reason/);
  });
});
