import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consentSyncJob,
  consentSyncSendOptions,
  createQueues,
  DEAD_WORKER_NOTICED_WITHIN_SECONDS,
  deadWorkerNoticedWithinSeconds,
  type FailureDetection,
  QUEUE_DEFINITIONS,
  QUEUES,
  queueDefinitionProblems,
  repoRoot,
} from '../src';
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

  it('stores every queue with the failure detection its definition declares', async () => {
    const queues = await boss.getQueues();
    expect(queues.map((q) => q.name).sort()).toEqual(
      Object.values(QUEUE_DEFINITIONS)
        .map((d) => d.name)
        .sort(),
    );
    expect(queueDefinitionProblems(queues)).toEqual([]);
    // A queue made outside the table, or changed behind its back, is named.
    await boss.createQueue('made-elsewhere', { policy: 'standard' });
    await boss.updateQueue(QUEUES.syncFanout, { heartbeatSeconds: 600 });
    expect(queueDefinitionProblems(await boss.getQueues())).toEqual([
      'queue made-elsewhere has no entry in QUEUE_DEFINITIONS (packages/domain/src/jobs.ts)',
      'queue sync-fanout: heartbeat 600, defined 30',
    ]);
    await boss.deleteQueue('made-elsewhere');
    await createQueues(boss); // puts the definition back
    expect(queueDefinitionProblems(await boss.getQueues())).toEqual([]);
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

/**
 * The rule every queue follows (docs/reliability.md): a job whose worker dies is failed back into
 * its queue within a minute. It walks the definitions, so a queue added later is covered.
 */
describe('queue failure detection', () => {
  it.each(Object.entries(QUEUE_DEFINITIONS))(
    '%s notices a dead worker within a minute',
    (_key, definition) => {
      const detection: FailureDetection = definition.failureDetection;
      expect(deadWorkerNoticedWithinSeconds(detection)).toBeLessThanOrEqual(
        DEAD_WORKER_NOTICED_WITHIN_SECONDS,
      );
      expect(detection.why.length).toBeGreaterThan(40);
      if (detection.heartbeatSeconds !== undefined) {
        expect(detection.heartbeatSeconds).toBeGreaterThanOrEqual(10); // pg-boss's minimum
        expect(detection.expireInSeconds).toBeGreaterThan(detection.heartbeatSeconds);
      }
    },
  );

  it('no code creates a queue except createQueues, from the definitions', () => {
    const root = repoRoot();
    const creators: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (['node_modules', 'dist', '.turbo', 'test'].includes(entry.name)) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.tsx?$/.test(entry.name) && /\.createQueue\(/.test(readFileSync(path, 'utf8'))) {
          creators.push(relative(root, path));
        }
      }
    };
    for (const group of ['apps', 'packages']) {
      for (const pkg of readdirSync(join(root, group))) {
        if (existsSync(join(root, group, pkg, 'src'))) walk(join(root, group, pkg, 'src'));
      }
    }
    expect(creators).toEqual(['packages/domain/src/jobs.ts']);
  });
});
