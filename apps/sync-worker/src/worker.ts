import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '@tenant/domain';
import { createQueues, QUEUES, SUPERVISION, syncFanoutJobSchema } from '@tenant/domain';
import { withLogContext } from '@tenant/runtime';
import {
  type ConsentSecretsReader,
  createSyncEngine,
  type FinqwarePort,
  type PaymentSecretsReader,
  type PaymentStatusPort,
} from '@tenant/sync-engine';
import { type JobWithMetadata, PgBoss } from 'pg-boss';
import { type ConsentStatusPort, checkConsents } from './consent-check';
import { createConsentSyncHandler } from './consent-sync';
import { fanOut } from './fanout';
import type { Logger } from './logger';
import type { WorkerMetrics } from './metrics';
import { createPaymentStatusHandler, createPaymentSweepHandler, PAYMENT_SWEEP_CRON } from './payment-status';
import { purgeExpiredData, RETENTION_PURGE_CRON } from './retention-purge';

/** Daily, early morning in SYNC_TIMEZONE: Finqware's expiry job runs every two hours (§4.3). */
export const CONSENT_CHECK_CRON = '17 4 * * *';

export type WorkerDeps = {
  databaseUrl: string;
  orm: MikroORM;
  config: Pick<Config, 'sync' | 'database'>;
  finqware: FinqwarePort & ConsentStatusPort & PaymentStatusPort;
  readSecrets: ConsentSecretsReader;
  /** Opens a payment consent's pair (payment-status polls). */
  readPaymentSecrets: PaymentSecretsReader;
  log: Logger;
  /** Counts syncs and reads queue depths for /metrics (src/main.ts). */
  metrics?: WorkerMetrics;
  /** Register the cron schedules (default true). */
  schedule?: boolean;
  /** Poll interval of the consent-sync workers, seconds (default 1). */
  pollingIntervalSeconds?: number;
};

export type Worker = {
  boss: PgBoss;
  /** Stop fetching, let running syncs finish for up to `timeoutMs`, then abandon them for retry. */
  stop(timeoutMs?: number): Promise<void>;
};

export async function startWorker(deps: WorkerDeps): Promise<Worker> {
  const { orm, config, log } = deps;
  const boss = new PgBoss({
    connectionString: deps.databaseUrl,
    application_name: 'tenant-sync-worker',
    max: Math.max(4, Math.min(config.sync.concurrency + 2, config.database.poolMax)),
    // Every worker supervises: a dead worker's jobs are failed back into their queues this often.
    ...SUPERVISION,
    // Each monitor pass also records every queue's counts and the age of its oldest ready job (the
    // worker's queue metrics read them back through getQueues), kept 7 days.
    persistQueueStats: true,
    queueStatRetentionDays: 7,
  });
  boss.on('error', (err) => log.error({ err: err.message }, 'pg-boss error'));
  await boss.start();
  await createQueues(boss);

  const engine = createSyncEngine({
    finqware: deps.finqware,
    readSecrets: deps.readSecrets,
    options: { overlapMinutes: config.sync.overlapMinutes, logger: log },
  });

  deps.metrics?.watch({ boss, orm });
  const consentSync = createConsentSyncHandler({ orm, boss, engine, log, metrics: deps.metrics });
  // One pg-boss worker per slot, each told to fetch again at once when it has just run its syncs: a
  // pg-boss worker otherwise waits out its polling interval after every fetch, which held a
  // process to `concurrency` syncs a second however fast they ran. Only a slot whose fetch found
  // the queue empty waits. A slot fetches up to `fetchBatch` jobs and runs them at once, so
  // pg-boss fetches and completes them in one statement each (their planning was most of
  // pg-boss's share of a sync); the slots' batches add up to `concurrency`.
  for (const batchSize of slotBatches(config.sync.concurrency, config.sync.fetchBatch)) {
    let slotId: string | undefined;
    slotId = await boss.work(
      QUEUES.consentSync,
      {
        batchSize,
        includeMetadata: true,
        perJobResults: true,
        pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 1,
      },
      async (jobs: JobWithMetadata<unknown>[]) => {
        const results = await consentSync.handle(jobs);
        if (slotId !== undefined) boss.notifyWorker(slotId);
        return results;
      },
    );
  }

  await boss.work(
    QUEUES.syncFanout,
    { pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 2 },
    async ([job]) => {
      if (!job) return;
      // Every line of the job names it (jobId), whoever writes it.
      return withLogContext({ jobId: job.id }, async () => {
        const { batchSize } = syncFanoutJobSchema.parse(job.data ?? {});
        const started = Date.now();
        log.info({ attempt: job.retryCount }, 'sync fan-out started');
        const result = await fanOut(orm.em.fork(), boss, {
          spreadSeconds: config.sync.spreadSeconds,
          fanoutId: job.id,
          ...(batchSize ? { batchSize } : {}),
          signal: job.signal,
          onBatch: (progress) => log.info(progress, 'sync fan-out progress'),
        });
        log.info({ ...result, ms: Date.now() - started }, 'sync fan-out enqueued');
        return result;
      });
    },
  );

  await boss.work(
    QUEUES.consentCheck,
    { pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 2 },
    async ([job]) =>
      withLogContext(job ? { jobId: job.id } : {}, async () => {
        const result = await checkConsents({
          orm,
          finqware: deps.finqware,
          readSecrets: deps.readSecrets,
          warningDays: config.sync.expiryWarningDays,
          log,
          ...(job ? { signal: job.signal } : {}),
        });
        log.info(result, 'consent check done');
        return result;
      }),
  );

  await boss.work(
    QUEUES.retentionPurge,
    { pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 2 },
    async ([job]) =>
      withLogContext(job ? { jobId: job.id } : {}, async () => {
        const result = await purgeExpiredData(orm, job ? { signal: job.signal } : {});
        log.info(result, 'retention purge done');
        return result;
      }),
  );
  await boss.work(
    QUEUES.paymentStatus,
    // Polls are seconds apart anyway: two at a time and a 2 s fetch keep the queue's own load small.
    { batchSize: 1, localConcurrency: 2, pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 2 },
    createPaymentStatusHandler({
      orm,
      boss,
      tracker: { finqware: deps.finqware, readSecrets: deps.readPaymentSecrets, logger: log },
      log,
    }),
  );
  await boss.work(
    QUEUES.paymentSweep,
    { pollingIntervalSeconds: deps.pollingIntervalSeconds ?? 2 },
    createPaymentSweepHandler({ orm, boss, log }),
  );

  if (deps.schedule ?? true) {
    await boss.schedule(QUEUES.syncFanout, config.sync.cron, {}, { tz: config.sync.timezone });
    await boss.schedule(QUEUES.consentCheck, CONSENT_CHECK_CRON, {}, { tz: config.sync.timezone });
    await boss.schedule(QUEUES.retentionPurge, RETENTION_PURGE_CRON, {}, { tz: config.sync.timezone });
    await boss.schedule(QUEUES.paymentSweep, PAYMENT_SWEEP_CRON, {});
  }
  log.info(
    {
      concurrency: config.sync.concurrency,
      fetchBatch: config.sync.fetchBatch,
      cron: config.sync.cron,
      tz: config.sync.timezone,
    },
    'sync worker started',
  );

  return {
    boss,
    async stop(timeoutMs = 30_000) {
      // pg-boss stops fetching and settles what finishes; our drain makes sure no sync is still
      // writing when the caller closes the ORM.
      await Promise.all([boss.stop({ graceful: true, timeout: timeoutMs }), consentSync.drain(timeoutMs)]);
    },
  };
}

/** The batch size of each consent-sync slot: `fetchBatch` each, the last one what is left. */
export function slotBatches(concurrency: number, fetchBatch: number): number[] {
  const batches: number[] = [];
  for (let left = concurrency; left > 0; left -= fetchBatch) batches.push(Math.min(fetchBatch, left));
  return batches;
}
