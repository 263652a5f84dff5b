import { createQueues, QUEUES } from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlOf } from '../src/soak/queue';
import { explainStuckJobs } from '../src/soak/stuck';

/** What a failing soak prints about the jobs that stopped moving (the state issue #18 found). */
let db: TestDatabase;
let boss: PgBoss;

beforeAll(async () => {
  db = await createTestDatabase({ migrate: false, pool: 2 });
  // No supervision: nothing fails the abandoned job, as when no worker runs.
  boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false, max: 2 });
  boss.on('error', () => undefined);
  await boss.start();
  await createQueues(boss);
});
afterAll(async () => {
  await boss?.stop({ graceful: false });
  await db?.drop();
});

describe('stuck jobs', () => {
  it('names a fan-out whose worker died and the fan-out waiting behind it', async () => {
    const sql = sqlOf(db.orm);
    const dead = await boss.send(QUEUES.syncFanout, {});
    const [taken] = await boss.fetch(QUEUES.syncFanout);
    expect(taken?.id).toBe(dead);
    // Its worker died ten minutes ago: the heartbeat stopped then.
    await sql(
      `update pgboss.job set started_on = now() - interval '10 minutes', heartbeat_on = now() - interval '10 minutes'
        where id = ?`,
      [dead],
    );
    const behind = await boss.send(QUEUES.syncFanout, {});
    const later = await boss.send(
      QUEUES.consentSync,
      { consentId: crypto.randomUUID(), reason: 'manual' },
      {
        startAfter: 3600,
      },
    );

    const lines = await explainStuckJobs(sql);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(
        `^sync-fanout ${dead} active \\(attempt 1 of 4\\): running 60\\d s, last heartbeat 60\\d s ago \\(limit 30 s\\): its worker is gone, yet no supervision pass failed it`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^sync-fanout ${behind} created .*waits behind active job ${dead} of the same singleton key`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`^consent-sync ${later} created .*not due for another 3600 s`));
  });
});
