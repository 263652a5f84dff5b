import { consentSyncSendOptions, createQueues, freePort, QUEUES } from '@tenant/domain';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerMetrics } from '../src/metrics';
import { createWorld, type World, waitFor } from './harness';

/** The worker as ops watch it: its admin listener, over HTTP, while it syncs. */
let world: World;
beforeAll(async () => {
  world = await createWorld({ seed: 'worker-admin', transactionsPerAccount: 30 });
});
afterAll(async () => {
  await world?.close();
});

/** One sample's value from Prometheus text, e.g. value(text, 'tenant_syncs_total', { outcome: 'SUCCEEDED' }). */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

describe('the worker admin listener', () => {
  it('is healthy, ready, and counts syncs, rows, Finqware calls, queues and consents', async () => {
    const adminPort = await freePort();
    const consent = await world.connect();
    const worker = world.spawnWorker({ WORKER_ADMIN_PORT: String(adminPort) });
    const admin = `http://127.0.0.1:${adminPort}`;
    await waitFor(
      () =>
        fetch(`${admin}/readyz`).then(
          (r) => r.ok,
          () => false,
        ),
      60_000,
      'worker ready',
    );
    expect(await (await fetch(`${admin}/readyz`)).json()).toMatchObject({
      status: 'ready',
      database: 'reachable',
      pendingMigrations: 0,
      worker: 'working',
    });
    expect((await fetch(`${admin}/healthz`)).status).toBe(200);

    const boss = new PgBoss({ connectionString: world.db.url, supervise: false, schedule: false, max: 1 });
    boss.on('error', () => undefined);
    await boss.start();
    try {
      await boss.send(
        QUEUES.consentSync,
        { consentId: consent.consentId, reason: 'manual' },
        consentSyncSendOptions(consent.consentId),
      );
    } finally {
      await boss.stop({ graceful: false, close: true });
    }
    const metrics = () => fetch(`${admin}/metrics`).then((r) => r.text());
    const text = await waitFor(
      async () => {
        const t = await metrics();
        return value(t, 'tenant_syncs_total', { outcome: 'SUCCEEDED', error_class: 'none' }) === 1
          ? t
          : undefined;
      },
      60_000,
      'a counted sync',
    );
    expect(value(text, 'tenant_sync_duration_seconds_count', { outcome: 'SUCCEEDED' })).toBe(1);
    expect(value(text, 'tenant_sync_rows_written_total', { kind: 'inserted' })).toBeGreaterThan(0);
    expect(
      value(text, 'finqware_requests_total', { endpoint: 'accounts.get', status: '200' }),
    ).toBeGreaterThan(0);
    expect(
      value(text, 'finqware_request_duration_seconds_count', { endpoint: 'transactions.get' }),
    ).toBeGreaterThan(0);
    expect(value(text, 'tenant_consents', { status: 'ACTIVE' })).toBe(1);
    expect(value(text, 'tenant_queue_jobs', { queue: 'consent-sync', state: 'active' })).toBeDefined();
    expect(value(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);

    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });

  it("reads each queue's depth and the age of its oldest ready job from pg-boss", async () => {
    // A supervising pg-boss with no workers, recording queue stats as the worker's does: jobs wait,
    // and its monitor passes (every second here, 15 s in the worker) record them.
    const recorder = new PgBoss({
      connectionString: world.db.url,
      superviseIntervalSeconds: 1,
      monitorIntervalSeconds: 1,
      persistQueueStats: true,
      schedule: false,
      max: 2,
    });
    recorder.on('error', () => undefined);
    await recorder.start();
    await createQueues(recorder);
    const metrics = createWorkerMetrics({ defaultMetrics: false });
    metrics.watch({ boss: recorder, orm: world.db.orm });
    try {
      await recorder.send(QUEUES.retentionPurge, {});
      const text = await waitFor(
        async () => {
          const t = await metrics.registry.metrics();
          const age =
            value(t, 'tenant_queue_oldest_ready_job_age_seconds', { queue: 'retention-purge' }) ?? 0;
          return age >= 2 ? t : undefined;
        },
        30_000,
        'an oldest-job age',
      );
      expect(value(text, 'tenant_queue_jobs', { queue: 'retention-purge', state: 'ready' })).toBe(1);
      expect(value(text, 'tenant_queue_jobs', { queue: 'retention-purge', state: 'queued' })).toBe(1);
      expect(value(text, 'tenant_queue_oldest_ready_job_age_seconds', { queue: 'consent-sync' })).toBe(0);
    } finally {
      await recorder.stop({ graceful: false, close: true });
    }
  });
});
