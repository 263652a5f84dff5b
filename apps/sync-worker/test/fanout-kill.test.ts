import { consentSyncSendOptions, QUEUES } from '@tenant/domain';
import { runSql } from '@tenant/sync-engine/testing';
import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanoutJobId } from '../src/fanout';
import { createWorld, startSupervisor, type World, waitFor } from './harness';

/**
 * A worker process SIGKILLed in the middle of a fan-out, on real PostgreSQL: the fan-out job is
 * failed once its heartbeat lapses, retried by another worker, and every ACTIVE consent ends up
 * with exactly one sync job from it — including those whose syncs had already started or finished
 * when the retry ran, where the per-consent singleton would have let a second one in.
 */
let world: World;
let boss: PgBoss;
let blocker: pg.Client;

beforeAll(async () => {
  world = await createWorld({ seed: 'fanout-kill', transactionsPerAccount: 5 });
  boss = await startSupervisor(world.db.url);
  blocker = new pg.Client({ connectionString: world.db.url });
  await blocker.connect();
}, 120_000);
afterAll(async () => {
  await blocker?.end();
  await boss?.stop({ graceful: false });
  await world?.close();
});

const BATCH = 10;

describe('a worker killed mid-fan-out', () => {
  it('the retried fan-out enqueues every ACTIVE consent exactly once in total', async () => {
    for (let i = 0; i < 27; i++) await world.connect();
    await runSql(
      world.em(),
      `UPDATE user_skills SET status = 'REAUTH_REQUIRED' WHERE id IN (SELECT id FROM user_skills ORDER BY id DESC LIMIT 2)`,
    );
    const active = (
      await runSql<{ id: string }>(
        world.em(),
        `SELECT id FROM user_skills WHERE status = 'ACTIVE' ORDER BY id`,
      )
    ).map((r) => r.id);
    expect(active).toHaveLength(25);

    // Holds the fan-out at its second batch: an uncommitted sync job for the batch's first consent
    // makes the fan-out's insert wait on the singleton index until this transaction ends.
    const held = active[BATCH] as string;
    await blocker.query('BEGIN');
    await boss.insert(
      QUEUES.consentSync,
      [{ data: { consentId: held, reason: 'manual' }, ...consentSyncSendOptions(held) }],
      { db: { executeSql: (text, values) => blocker.query(text, values) } },
    );

    // The queue's heartbeat is 30 s; the test's job carries pg-boss's minimum to stay short.
    const fanoutJob = await boss.send(QUEUES.syncFanout, { batchSize: BATCH }, { heartbeatSeconds: 10 });
    if (!fanoutJob) throw new Error('fan-out not enqueued');
    const first = world.spawnWorker();
    const countJobs = async () =>
      (
        await runSql<{ n: number }>(world.em(), `SELECT count(*)::int AS n FROM pgboss.job WHERE name = ?`, [
          QUEUES.consentSync,
        ])
      )[0]?.n ?? 0;
    await waitFor(
      async () => {
        const [waiting] = await runSql<{ n: number }>(
          world.em(),
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO%'`,
        );
        return (waiting?.n ?? 0) > 0 && (await countJobs()) === BATCH;
      },
      60_000,
      'the first batch committed and the second one waiting',
    );
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(first.output()).toContain('sync fan-out progress');
    expect(first.output()).not.toContain('sync fan-out enqueued');

    // The first batch's syncs have started meanwhile (the worker itself took some before it died);
    // the test takes the rest and finishes half of those, so when the retry comes none is queued.
    const running = await boss.fetch(QUEUES.consentSync, { batchSize: BATCH });
    await boss.complete(
      QUEUES.consentSync,
      running.slice(0, Math.ceil(running.length / 2)).map((j) => j.id),
    );
    const firstBatch = await runSql<{ state: string }>(
      world.em(),
      `SELECT state FROM pgboss.job WHERE name = ? AND data->>'consentId' = ANY(?::text[])`,
      [QUEUES.consentSync, active.slice(0, BATCH)],
    );
    expect(firstBatch).toHaveLength(BATCH);
    expect(firstBatch.filter((j) => j.state === 'created')).toEqual([]);
    // The dead worker's waiting insert may still complete server-side once the lock is gone.
    await blocker.query('ROLLBACK');

    const second = world.spawnWorker();
    const done = await waitFor(
      async () => {
        const [job] = await boss.findJobs<object>(QUEUES.syncFanout, { id: fanoutJob });
        return job?.state === 'completed' ? job : null;
      },
      90_000,
      'the retried fan-out',
    );
    expect(done.retryCount).toBe(1);
    expect(done.output).toMatchObject({ consents: 25 });

    const jobs = await runSql<{ consentId: string; id: string }>(
      world.em(),
      `SELECT data->>'consentId' AS "consentId", id FROM pgboss.job WHERE name = ?`,
      [QUEUES.consentSync],
    );
    const byConsent = new Map<string, string[]>();
    for (const job of jobs) byConsent.set(job.consentId, [...(byConsent.get(job.consentId) ?? []), job.id]);
    expect([...byConsent.keys()].sort()).toEqual(active);
    expect(active.filter((id) => byConsent.get(id)?.length !== 1)).toEqual([]);
    for (const id of active) expect(byConsent.get(id)).toEqual([fanoutJobId(fanoutJob, id)]);

    // What the ids guard against: the singleton takes a second sync for a consent whose sync started.
    const started = active[0] as string;
    expect(
      await boss.insert(
        QUEUES.consentSync,
        [{ data: { consentId: started, reason: 'scheduled' }, ...consentSyncSendOptions(started) }],
        { returnId: true },
      ),
    ).toHaveLength(1);

    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 180_000);
});
