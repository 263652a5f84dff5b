import type { MikroORM } from '@mikro-orm/postgresql';
import { db, QUEUES } from '@tenant/domain';
import type { SyncResult } from '@tenant/sync-engine';
import type { PgBoss } from 'pg-boss';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Queue states pg-boss counts for each queue (getQueues), as the `state` label of tenant_queue_jobs. */
const QUEUE_STATES = ['queued', 'ready', 'deferred', 'active', 'failed'] as const;

/**
 * Prometheus metrics of one worker process, served on WORKER_ADMIN_PORT. Syncs are counted as
 * they finish here; queue depths and consent statuses are read when scraped, from pg-boss's own
 * API and one grouped count, so every worker reports the same fleet-wide values (dashboards take
 * `max` across instances, not `sum`).
 */
export function createWorkerMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const syncs = new Counter({
    name: 'tenant_syncs_total',
    help: 'Consent syncs finished by this worker, by outcome and error class (none when it succeeded or was skipped)',
    labelNames: ['outcome', 'error_class'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'tenant_sync_duration_seconds',
    help: 'Duration of one consent sync (one job attempt), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const rows = new Counter({
    name: 'tenant_sync_rows_written_total',
    help: 'Transactions written by consent syncs: inserted, updated or removed (stale pending ones)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });

  let boss: PgBoss | undefined;
  let orm: MikroORM | undefined;
  new Gauge({
    name: 'tenant_queue_jobs',
    help: 'Jobs in each pg-boss queue by state (queued = ready + deferred + blocked), fleet-wide',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      if (!boss) return;
      for (const queue of await boss.getQueues(Object.values(QUEUES))) {
        for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, queue[`${state}Count`]);
      }
    },
  });
  new Gauge({
    name: 'tenant_queue_oldest_ready_job_age_seconds',
    help: "How long the oldest job ready to run has waited, per queue (pg-boss's last monitor pass; 0 when none waits)",
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      if (!boss) return;
      for (const queue of await boss.getQueues(Object.values(QUEUES))) {
        this.set({ queue: queue.name }, queue.readyCount > 0 ? (queue.readyOldestSeconds ?? 0) : 0);
      }
    },
  });
  new Gauge({
    name: 'tenant_consents',
    help: 'Consents by status (ACTIVE, REAUTH_REQUIRED, EXPIRED, DELETED), fleet-wide',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      if (!orm) return;
      const counts = await db(orm.em.fork())
        .selectFrom('user_skills')
        .select((eb) => ['status', eb.cast<number>(eb.fn.countAll(), 'integer').as('n')])
        .groupBy('status')
        .execute();
      this.reset();
      for (const { status, n } of counts) this.set({ status }, n);
    },
  });

  return {
    registry,
    /** Told of each finished sync attempt. */
    observeSync(result: SyncResult, seconds: number) {
      const errorClass = 'error' in result ? result.error.errorClass : 'none';
      syncs.inc({ outcome: result.outcome, error_class: errorClass });
      duration.observe({ outcome: result.outcome }, seconds);
      if ('counts' in result) {
        rows.inc({ kind: 'inserted' }, result.counts.inserted);
        rows.inc({ kind: 'updated' }, result.counts.updated);
        rows.inc({ kind: 'removed' }, result.counts.removed);
      }
    },
    /** The sources of the gauges read at scrape time. */
    watch(sources: { boss: PgBoss; orm: MikroORM }) {
      boss = sources.boss;
      orm = sources.orm;
    },
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
