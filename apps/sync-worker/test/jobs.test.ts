import { Writable } from 'node:stream';
import {
  consentSyncSendOptions,
  parseSyncEvent,
  QUEUES,
  queueDefinitionProblems,
  SYNC_EVENTS_CHANNEL,
  type SyncEvent,
} from '@tenant/domain';
import { createFinqwareClient } from '@tenant/finqware-client';
import { TENANT_APP } from '@tenant/finqware-sandbox';
import { createLogger } from '@tenant/runtime';
import { runSql } from '@tenant/sync-engine/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkConsents } from '../src/consent-check';
import { listDeadLetters, redriveDeadLetters } from '../src/dlq';
import { fanOut } from '../src/fanout';
import { vaultPaymentSecretsReader, vaultSecretsReader } from '../src/secrets';
import { startWorker, type Worker } from '../src/worker';
import { createWorld, runsOf, type World, waitFor } from './harness';

/** Job dispositions with the worker in-process (the process-level behaviour is in processes.test.ts). */
let world: World;
let worker: Worker;
/** Lets a test corrupt what Finqware answers, to produce a schema violation. */
let corruptTransactions = false;
/** Every line the worker logs. */
const logLines: string[] = [];
const logs = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});

beforeAll(async () => {
  world = await createWorld({ seed: 'worker-jobs' });
  const client = createFinqwareClient({
    baseUrl: world.sandbox.apiUrl,
    ...TENANT_APP,
    retry: { retries: 2, maxRetryAfterMs: 2000 },
  });
  const finqware = {
    ...client,
    transactions: {
      ...client.transactions,
      pages: (...args: Parameters<typeof client.transactions.pages>) => {
        const source = client.transactions.pages(...args);
        if (!corruptTransactions) return source;
        return (async function* () {
          for await (const page of source) {
            const bad = (page.items as unknown[]).map((t) => ({ ...(t as object), status: 'settled' }));
            yield { ...page, items: bad as typeof page.items };
          }
        })();
      },
    },
  };
  worker = await startWorker({
    databaseUrl: world.db.url,
    orm: world.db.orm,
    config: {
      sync: {
        cron: '0 0 1 1 *',
        timezone: 'UTC',
        spreadSeconds: 0,
        concurrency: 2,
        // Both in one batch: the dispositions below are settled job by job out of batches.
        fetchBatch: 2,
        expiryWarningDays: 7,
        overlapMinutes: 60,
      },
      database: { url: world.db.url, poolMax: 4, preparedStatements: true },
    },
    finqware,
    readSecrets: vaultSecretsReader(world.vault),
    readPaymentSecrets: vaultPaymentSecretsReader(world.vault),
    log: createLogger({ service: 'worker', level: 'info', destination: logs }),
    schedule: false,
    pollingIntervalSeconds: 0.5,
  });
}, 120_000);
afterAll(async () => {
  await worker?.stop(5000);
  await world?.close();
});

afterEach(() => {
  world.sandbox.control.setFaults({ rate: 0 });
  corruptTransactions = false;
});

const send = (consentId: string) =>
  worker.boss.send(QUEUES.consentSync, { consentId, reason: 'manual' }, consentSyncSendOptions(consentId));

describe('live progress', () => {
  it('NOTIFYs each committed step of a sync, with its user, for the api to fan out', async () => {
    const listener = new pg.Client({ connectionString: world.db.url });
    await listener.connect();
    const events: SyncEvent[] = [];
    listener.on('notification', (message) => {
      const event = parseSyncEvent(message.payload);
      if (event) events.push(event);
    });
    await listener.query(`LISTEN ${SYNC_EVENTS_CHANNEL}`);
    try {
      const consent = await world.connect();
      await send(consent.consentId);
      await waitFor(
        () => events.some((e) => e.consentId === consent.consentId && e.outcome !== 'RUNNING'),
        30_000,
        'the final event',
      );
      const mine = events.filter((e) => e.consentId === consent.consentId);
      const [run] = await runSql<{
        id: string;
        userId: string;
        inserted: number;
        updated: number;
        removed: number;
        accountsSynced: number;
      }>(
        world.em(),
        `SELECT r.id, us.user_id AS "userId", r.inserted, r.updated, r.removed,
                r.accounts_synced AS "accountsSynced"
           FROM sync_runs r JOIN user_skills us ON us.id = r.user_skill_id WHERE r.user_skill_id = ?`,
        [consent.consentId],
      );
      // A RUNNING event when the run starts, one per page before the last (counts growing), then the
      // outcome, sent by the last page.
      expect(mine[0]).toMatchObject({ outcome: 'RUNNING', inserted: 0, runId: run?.id, userId: run?.userId });
      expect(mine.length).toBeGreaterThanOrEqual(3);
      // The last page's statement ends the run: its event carries the run's counts as recorded.
      expect(mine.at(-1)).toMatchObject({
        outcome: 'SUCCEEDED',
        inserted: run?.inserted,
        updated: run?.updated,
        removed: run?.removed,
        accountsSynced: run?.accountsSynced,
      });
      const inserted = mine.map((e) => e.inserted);
      expect(inserted).toEqual([...inserted].sort((a, b) => a - b));
      expect(run?.inserted).toBeGreaterThan(0);
    } finally {
      await listener.end();
    }
  });
});

describe('queues', () => {
  it('every queue the worker made is declared, with the failure detection its definition gives', async () => {
    const queues = await worker.boss.getQueues();
    expect(queues.map((q) => q.name)).toEqual(expect.arrayContaining(Object.values(QUEUES)));
    expect(queueDefinitionProblems(queues)).toEqual([]);
  });
});

describe('consent-sync dispositions', () => {
  it('429 with Retry-After: the retry waits for the server-given delay, then succeeds', async () => {
    const consent = await world.connect();
    world.sandbox.control.setFaults({ rate: 1, kinds: ['429'], retryAfterSeconds: 4 });
    const jobId = (await send(consent.consentId)) as string;
    const [failed] = await waitFor(
      async () => {
        const done = (await runsOf(world.em(), consent.consentId)).filter((r) => r.finishedAt);
        return done.length > 0 ? done : null;
      },
      30_000,
      'the rate-limited run',
    );
    expect(failed).toMatchObject({ outcome: 'RETRYING', errorClass: 'rate_limit' });
    // The run is recorded before the job fails back to pg-boss: wait for the queue to catch up.
    const job = await waitFor(
      async () => {
        const found = await worker.boss.getJobById(QUEUES.consentSync, jobId);
        return found?.state === 'retry' ? found : null;
      },
      10_000,
      'the job to be scheduled for a retry',
    );
    expect(job?.state).toBe('retry');
    // Scheduled by the server's delay (4 s), not by the queue's backoff (30 s and up). The delay
    // runs from when pg-boss took the failure, a moment after the run was recorded: longer on a
    // busy machine, so the bound only tells 4 s from 30.
    const delay = (job?.startAfter.getTime() ?? 0) - new Date(failed?.finishedAt ?? 0).getTime();
    expect(delay).toBeGreaterThan(3000);
    expect(delay).toBeLessThan(20_000);
    world.sandbox.control.setFaults({ rate: 0 });
    const runs = await waitFor(
      async () => {
        const all = await runsOf(world.em(), consent.consentId);
        return all.some((r) => r.outcome === 'SUCCEEDED') ? all : null;
      },
      30_000,
      'the retried run',
    );
    expect(runs.map((r) => r.outcome)).toEqual(['RETRYING', 'SUCCEEDED']);
    expect(new Date(runs[1]?.startedAt ?? 0).getTime()).toBeGreaterThanOrEqual(
      job?.startAfter.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(await world.matchesTruth(consent)).toBe(true);
  }, 90_000);

  it('an expired consent becomes REAUTH_REQUIRED, the job completes, and fan-outs skip it', async () => {
    const consent = await world.connect();
    world.sandbox.control.expireConsent({ credentialsId: consent.credentialsId });
    const jobId = (await send(consent.consentId)) as string;
    await waitFor(
      async () => (await worker.boss.getJobById(QUEUES.consentSync, jobId))?.state === 'completed',
    );
    expect((await runsOf(world.em(), consent.consentId)).map((r) => [r.outcome, r.errorClass])).toEqual([
      ['REAUTH_REQUIRED', 'consent'],
    ]);
    const [row] = await runSql<{ status: string }>(
      world.em(),
      'SELECT status FROM user_skills WHERE id = ?',
      [consent.consentId],
    );
    expect(row?.status).toBe('REAUTH_REQUIRED');
    await fanOut(world.em(), worker.boss, { spreadSeconds: 0 });
    const queued = await worker.boss.findJobs(QUEUES.consentSync, { key: consent.consentId, queued: true });
    expect(queued).toEqual([]);
  }, 90_000);

  it('a schema violation goes to the dead-letter queue with the payload shape, and can be re-driven', async () => {
    const consent = await world.connect();
    corruptTransactions = true;
    await send(consent.consentId);
    const [letter] = await waitFor(async () => {
      const letters = await listDeadLetters(worker.boss);
      const mine = letters.filter((l) => l.consentId === consent.consentId);
      return mine.length > 0 ? mine : null;
    });
    corruptTransactions = false;
    expect(letter?.error).toMatchObject({ errorClass: 'protocol', detail: { field: 'status' } });
    const text = JSON.stringify(letter);
    const secrets = world.sandbox.control.truth({ credentialsId: consent.credentialsId });
    expect(secrets.consents).toHaveLength(1);
    expect(text).not.toContain(consent.credentialsId);
    // Only the dead letter's shape travels: types, not values.
    expect(text).toContain('"amount":"string"');
    expect((await runsOf(world.em(), consent.consentId)).map((r) => r.outcome)).toEqual(['FAILED']);

    expect(await redriveDeadLetters(worker.boss, [letter?.id as string])).toBe(1);
    await waitFor(async () =>
      (await runsOf(world.em(), consent.consentId)).some((r) => r.outcome === 'SUCCEEDED'),
    );
    expect(await world.matchesTruth(consent)).toBe(true);
  }, 90_000);
});

describe('logs', () => {
  it('name the job and the consent on every line a sync writes', () => {
    type Entry = { msg: string; service?: string; time?: string; jobId?: string; consentId?: string };
    const entries = logLines.map((line) => JSON.parse(line) as Entry);
    // The syncs above logged through the handler, which no longer passes either id itself.
    const syncLines = entries.filter((e) => /^consent sync(ed| failed| skipped)$/.test(e.msg));
    expect(syncLines.length).toBeGreaterThan(3);
    for (const entry of syncLines) {
      expect(entry.jobId).toMatch(/^[0-9a-f-]{36}$/);
      expect(entry.consentId).toMatch(/^[0-9a-f-]{36}$/);
    }
    for (const entry of entries) {
      expect(entry.service).toBe('worker');
      expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });
});

describe('consent-check', () => {
  it('EXPIRED at Finqware stops syncing; a consent expiring within the warning window is flagged', async () => {
    const expiring = await world.connect();
    const expired = await world.connect();
    world.sandbox.control.expireConsent({ credentialsId: expired.credentialsId });
    const finqware = createFinqwareClient({ baseUrl: world.sandbox.apiUrl, ...TENANT_APP });
    // Sandbox consents last 90 days: a 100-day window flags them, a 7-day one does not.
    const result = await checkConsents({
      orm: world.db.orm,
      finqware,
      readSecrets: vaultSecretsReader(world.vault),
      warningDays: 100,
    });
    expect(result.errors).toBe(0);
    const rows = await runSql<{ id: string; status: string; soon: boolean }>(
      world.em(),
      'SELECT id, status, expires_soon AS soon FROM user_skills WHERE id = ANY(?::uuid[])',
      [[expiring.consentId, expired.consentId]],
    );
    expect(rows.find((r) => r.id === expiring.consentId)).toMatchObject({ status: 'ACTIVE', soon: true });
    expect(rows.find((r) => r.id === expired.consentId)).toMatchObject({ status: 'EXPIRED', soon: false });
    await checkConsents({
      orm: world.db.orm,
      finqware,
      readSecrets: vaultSecretsReader(world.vault),
      warningDays: 7,
    });
    const [again] = await runSql<{ soon: boolean }>(
      world.em(),
      'SELECT expires_soon AS soon FROM user_skills WHERE id = ?',
      [expiring.consentId],
    );
    expect(again?.soon).toBe(false);
  });

  it('stops between consents once pg-boss has taken its job away', async () => {
    const finqware = createFinqwareClient({ baseUrl: world.sandbox.apiUrl, ...TENANT_APP });
    let calls = 0;
    const taken = new AbortController();
    const counting = {
      consents: {
        get: (auth: Parameters<typeof finqware.consents.get>[0]) => {
          // The heartbeat finds the claim gone while the first consent is being checked.
          if (++calls === 1) taken.abort(new Error('job taken away'));
          return finqware.consents.get(auth);
        },
      },
    };
    await world.connect();
    await expect(
      checkConsents({
        orm: world.db.orm,
        finqware: counting,
        readSecrets: vaultSecretsReader(world.vault),
        warningDays: 7,
        concurrency: 1,
        signal: taken.signal,
      }),
    ).rejects.toThrow('job taken away');
    expect(calls).toBe(1);
  });
});

describe('retention purge', () => {
  /** Rows this consent has cached: accounts, and balances and transactions under them. */
  const cached = async (consentId: string) => {
    const [row] = await runSql<{ accounts: number; balances: number; transactions: number }>(
      world.em(),
      `SELECT (SELECT count(*)::int FROM accounts WHERE user_skill_id = ?) AS accounts,
              (SELECT count(*)::int FROM balances b JOIN accounts a ON a.id = b.account_id WHERE a.user_skill_id = ?) AS balances,
              (SELECT count(*)::int FROM transactions t JOIN accounts a ON a.id = t.account_id WHERE a.user_skill_id = ?) AS transactions`,
      [consentId, consentId, consentId],
    );
    return row;
  };

  it('deletes the cached data of consents past max_data_retention, keeps the rest and the consents; and sign-in limit hits past their window', async () => {
    const [due, kept] = [await world.connect(), await world.connect()];
    for (const consent of [due, kept]) {
      const jobId = (await send(consent.consentId)) as string;
      await waitFor(
        async () => (await worker.boss.getJobById(QUEUES.consentSync, jobId))?.state === 'completed',
      );
    }
    const keptBefore = await cached(kept.consentId);
    expect((await cached(due.consentId))?.transactions).toBeGreaterThan(0);
    await runSql(
      world.em(),
      `UPDATE user_skills SET max_data_retention = now() - interval '1 minute' WHERE id = ?`,
      [due.consentId],
    );
    await runSql(
      world.em(),
      `UPDATE user_skills SET max_data_retention = now() + interval '1 day' WHERE id = ?`,
      [kept.consentId],
    );

    // Sign-in limit hits: one past its window, one in it.
    await runSql(
      world.em(),
      `INSERT INTO rate_limit_hits (key, kind, at, expires_at) VALUES
         ('register:192.0.2.1', 'attempt', now() - interval '2 hours', now() - interval '1 hour'),
         ('register:192.0.2.2', 'attempt', now(), now() + interval '1 hour')`,
    );

    const jobId = (await worker.boss.send(QUEUES.retentionPurge, {})) as string;
    await waitFor(
      async () => (await worker.boss.getJobById(QUEUES.retentionPurge, jobId))?.state === 'completed',
    );

    expect(await cached(due.consentId)).toEqual({ accounts: 0, balances: 0, transactions: 0 });
    expect(
      await runSql(world.em(), "SELECT key FROM rate_limit_hits WHERE key LIKE 'register:192.0.2.%'"),
    ).toEqual([{ key: 'register:192.0.2.2' }]);
    expect(await cached(kept.consentId)).toEqual(keptBefore);
    const consents = await runSql<{ id: string; status: string; cursor: object }>(
      world.em(),
      'SELECT id, status, sync_cursor AS cursor FROM user_skills WHERE id IN (?, ?) ORDER BY id',
      [due.consentId, kept.consentId],
    );
    // The consent stays (the user sees the connection); an ACTIVE one starts its next sync afresh.
    expect(consents.find((c) => c.id === due.consentId)).toMatchObject({ status: 'ACTIVE', cursor: {} });
    expect(consents.find((c) => c.id === kept.consentId)?.cursor).not.toEqual({});
  }, 90_000);
});
