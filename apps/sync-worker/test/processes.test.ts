import { consentSyncSendOptions, QUEUES } from '@tenant/domain';
import { runSql } from '@tenant/sync-engine/testing';
import type { PgBoss } from 'pg-boss';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fanOut } from '../src/fanout';
import { createWorld, runsOf, startSupervisor, type World, waitFor } from './harness';

/** The worker as real processes: killed mid-sync, two of them sharing a fan-out, SIGTERM. */
let world: World;
let boss: PgBoss;

beforeAll(async () => {
  world = await createWorld({ seed: 'worker-processes', transactionsPerAccount: 30 });
  boss = await startSupervisor(world.db.url);
}, 120_000);
// A test that fails before it stops its workers must not leave them to take the next test's jobs.
afterEach(() => world?.killWorkers());
afterAll(async () => {
  await boss?.stop({ graceful: false });
  await world?.close();
});

const transactionCount = async (consentId: string) => {
  const [row] = await runSql<{ n: number }>(
    world.em(),
    'SELECT count(*)::int AS n FROM transactions t JOIN accounts a ON a.id = t.account_id WHERE a.user_skill_id = ?',
    [consentId],
  );
  return row?.n ?? 0;
};

describe('worker processes', () => {
  it('SIGKILL mid-sync, then a new worker resumes: nothing lost, nothing doubled', async () => {
    const consent = await world.connect({ transactionsPerAccount: 40_000 });
    await boss.send(
      QUEUES.consentSync,
      { consentId: consent.consentId, reason: 'initial' },
      // The queue's own heartbeat (30 s): a shorter one lapses on a live worker starved of CPU, and
      // its job is then retried beside it (handled, see below, but not what this test is about).
      { ...consentSyncSendOptions(consent.consentId), retryDelay: 1, retryDelayMax: 2 },
    );
    const first = world.spawnWorker();
    // Killed once some pages are committed and the backfill is still going.
    await waitFor(
      async () => {
        const [row] = await runSql<{ phase: string | null }>(
          world.em(),
          "SELECT sync_cursor->>'phase' AS phase FROM user_skills WHERE id = ?",
          [consent.consentId],
        );
        return row?.phase === 'backfill' && (await transactionCount(consent.consentId)) > 0;
      },
      90_000,
      'first committed pages',
    ).catch((err) => {
      throw new Error(`${err.message}; the worker said: ${first.output().slice(-3000)}`);
    });
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // A statement the dead process had in flight still completes server-side (PostgreSQL notices the
    // closed socket only when it answers): wait for it before counting what was committed. Any
    // spelling of the insert (the page statement is built by Kysely: `insert into "transactions"`).
    await waitFor(async () => {
      const [row] = await runSql<{ n: number }>(
        world.em(),
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'active' AND query ILIKE '%insert into%transactions%'
            AND pid <> pg_backend_pid()`,
      );
      return row?.n === 0;
    });
    const committed = await transactionCount(consent.consentId);
    const runsBeforeKill = await runSql<{ id: string }>(
      world.em(),
      'SELECT id FROM sync_runs WHERE user_skill_id = ?',
      [consent.consentId],
    );
    expect(await world.matchesTruth(consent)).toBe(false);

    const second = world.spawnWorker();
    await waitFor(
      async () => (await runsOf(world.em(), consent.consentId)).some((r) => r.outcome === 'SUCCEEDED'),
      120_000,
      'the resumed sync',
    ).catch(async (err) => {
      const runs = await runsOf(world.em(), consent.consentId);
      throw new Error(
        `${err.message}; runs ${JSON.stringify(runs)}; the worker said: ${second.output().slice(-3000)}`,
      );
    });
    expect(await world.matchesTruth(consent)).toBe(true);
    const [dupes] = await runSql<{ n: number }>(
      world.em(),
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM transactions GROUP BY account_id, utx_id HAVING count(*) > 1) d`,
    );
    expect(dupes?.n).toBe(0);
    // The runs after the kill count every row the dead worker had not committed, once. On a starved
    // machine there can be more than one: a heartbeat can lapse on the live second worker too, and
    // pg-boss then starts a retry beside it; the newer run takes over and the older one stops
    // without writing (WRITE_PAGE_SQL), so the rows are still counted once.
    const after = await runSql<{ outcome: string; inserted: number }>(
      world.em(),
      'SELECT outcome, inserted FROM sync_runs WHERE user_skill_id = ? AND NOT (id = ANY(?::uuid[]))',
      [consent.consentId, runsBeforeKill.map((r) => r.id)],
    );
    expect(after.filter((r) => r.outcome === 'SUCCEEDED')).toHaveLength(1);
    expect(after.filter((r) => r.outcome === 'RUNNING')).toEqual([]);
    expect(after.reduce((sum, r) => sum + r.inserted, 0)).toBe(
      (await transactionCount(consent.consentId)) - committed,
    );
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  }, 300_000);

  it('two workers over 200 consents: each consent synced exactly once per fan-out', async () => {
    const consents = [];
    for (let i = 0; i < 200; i++) consents.push(await world.connect());
    const ids = consents.map((c) => c.consentId);
    const workers = [
      world.spawnWorker({ SYNC_CONCURRENCY: '4' }),
      world.spawnWorker({ SYNC_CONCURRENCY: '4' }),
    ];
    // Both take part only if both are up when the jobs come: on a busy machine one process can
    // take a while longer to start than the other takes to drain the queue.
    await waitFor(
      () => workers.every((w) => w.output().includes('sync worker started')),
      90_000,
      'both workers started',
    );
    const result = await fanOut(world.em(), boss, { spreadSeconds: 0 });
    expect(result.enqueued).toBeGreaterThanOrEqual(200);

    const finished = async () => {
      const rows = await runSql<{ id: string; outcome: string; n: number }>(
        world.em(),
        `SELECT user_skill_id AS id, outcome, count(*)::int AS n FROM sync_runs
          WHERE user_skill_id = ANY(?::uuid[]) GROUP BY user_skill_id, outcome`,
        [ids],
      );
      return rows;
    };
    await waitFor(
      async () => (await finished()).filter((r) => r.outcome === 'SUCCEEDED').length === 200,
      240_000,
      '200 synced consents',
    );
    // Give a would-be duplicate the chance to show up before counting.
    await new Promise((r) => setTimeout(r, 2000));
    const rows = await finished();
    // Every consent has exactly one run, which succeeded; any other run is shown with its error.
    const others = rows.filter((r) => r.outcome !== 'SUCCEEDED' || r.n !== 1).map((r) => r.id);
    const otherRuns = await runSql(
      world.em(),
      `SELECT user_skill_id, job_id, outcome, error_class, error_message, started_at, finished_at
         FROM sync_runs WHERE user_skill_id = ANY(?::uuid[]) ORDER BY user_skill_id, started_at`,
      [others],
    );
    expect(otherRuns).toEqual([]);
    expect(rows).toHaveLength(200);
    for (const c of consents.slice(0, 5)) expect(await world.matchesTruth(c)).toBe(true);
    // Both processes took part.
    for (const w of workers) expect(w.output()).toContain('consent synced');
    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) expect((await w.exited).code).toBe(0);
  }, 300_000);

  it('SIGTERM: stops fetching, drains (or abandons for retry) the running sync, exits 0', async () => {
    const consent = await world.connect({ transactionsPerAccount: 40_000 });
    const waiting = await world.connect();
    await boss.send(
      QUEUES.consentSync,
      { consentId: consent.consentId, reason: 'initial' },
      consentSyncSendOptions(consent.consentId),
    );
    const worker = world.spawnWorker({ SYNC_CONCURRENCY: '1' });
    await waitFor(async () => (await transactionCount(consent.consentId)) > 0, 90_000, 'a sync in progress');
    worker.child.kill('SIGTERM');
    // A signal is handled when the worker's event loop gets to it; a busy machine can leave a poll
    // of its own in between. Once it says it is stopping, its pollers are stopped.
    await waitFor(() => worker.output().includes('stopping: no new jobs'), 30_000, 'the worker stopping');
    // Enqueued after the signal was handled: a stopping worker must not take it.
    await boss.send(
      QUEUES.consentSync,
      { consentId: waiting.consentId, reason: 'manual' },
      consentSyncSendOptions(waiting.consentId),
    );
    const exit = await worker.exited;
    expect(exit.code).toBe(0);
    expect(worker.output()).toContain('stopped');
    expect(await runsOf(world.em(), waiting.consentId)).toEqual([]);
    const runs = await runsOf(world.em(), consent.consentId);
    expect(runs).toHaveLength(1);
    // Drained to completion, or abandoned between pages and left to its retry — never left RUNNING.
    expect(['SUCCEEDED', 'RETRYING'], worker.output().slice(-3000)).toContain(runs[0]?.outcome);
  }, 180_000);
});
