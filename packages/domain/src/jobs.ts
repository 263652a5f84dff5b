import type { PgBoss, Queue, SendOptions } from 'pg-boss';
import { z } from 'zod';
import { SYNC_REASONS } from './entities/enums';

/**
 * Queue contracts shared by everyone who enqueues (router, fan-out) and everyone who works
 * (sync-worker): names, payload schemas and send options live here so both sides agree.
 */

export const QUEUES = {
  /** Sync one consent: accounts, balances, transactions. */
  consentSync: 'consent-sync',
  /** Cron-triggered: enqueue one consent-sync per ACTIVE consent, spread over SYNC_SPREAD_SECONDS. */
  syncFanout: 'sync-fanout',
  /** Cron-triggered: refresh consent status/expiry from Finqware and flag expires_soon. */
  consentCheck: 'consent-check',
  /** consent-sync jobs that exhausted their retries (protocol errors go here at once). */
  consentSyncDeadLetter: 'consent-sync-dlq',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const consentSyncJobSchema = z.object({
  consentId: z.uuid(),
  reason: z.enum(SYNC_REASONS),
});
export type ConsentSyncJob = z.infer<typeof consentSyncJobSchema>;

export const syncFanoutJobSchema = z.object({}).loose();
export type SyncFanoutJob = z.infer<typeof syncFanoutJobSchema>;

export const consentCheckJobSchema = z.object({ consentId: z.uuid().optional() });
export type ConsentCheckJob = z.infer<typeof consentCheckJobSchema>;

/** Retry policy of a consent sync: transient failures back off exponentially up to 30 min. */
export const CONSENT_SYNC_RETRY = {
  retryLimit: 5,
  retryDelay: 30,
  retryBackoff: true,
  retryDelayMax: 1_800,
} as const;

/** A first sync walks the whole history, so it may run long before pg-boss assumes it died. */
export const CONSENT_SYNC_EXPIRE_SECONDS = 30 * 60;

/**
 * A worker that dies mid-sync stops heart-beating, so its job is retried within a minute or two
 * instead of after the 30-minute expiry, during which the consent's singleton slot stays taken
 * (the cursor makes the retry resume, not restart). pg-boss's worker beats on its own.
 */
export const CONSENT_SYNC_HEARTBEAT_SECONDS = 60;

/**
 * Options for every `boss.send(QUEUES.consentSync, job, options)`: the singleton key makes the
 * queue policy (below) hold at most one queued and one active sync per consent.
 */
export function consentSyncSendOptions(
  consentId: string,
  extra: Pick<SendOptions, 'startAfter' | 'db'> = {},
): SendOptions {
  return {
    singletonKey: consentId,
    ...CONSENT_SYNC_RETRY,
    expireInSeconds: CONSENT_SYNC_EXPIRE_SECONDS,
    heartbeatSeconds: CONSENT_SYNC_HEARTBEAT_SECONDS,
    deadLetter: QUEUES.consentSyncDeadLetter,
    ...extra,
  };
}

/** Validates a payload before it is enqueued; throws a ZodError naming the bad field. */
export function consentSyncJob(data: ConsentSyncJob): ConsentSyncJob {
  return consentSyncJobSchema.parse(data);
}

type QueueDefinition = Omit<Queue, 'name'> & { name: QueueName };

/**
 * Why `stately` for consent-sync: it allows one job per state and per singletonKey, i.e. at most
 * one QUEUED and one ACTIVE sync per consent. Two syncs of one consent can never run at once
 * (they would race on its cursor), duplicates sent while one is queued collapse into it (`send`
 * returns null), and a request arriving while a sync is running is not lost: it waits as the one
 * queued follow-up. `singleton` would let duplicates pile up in the queue; `exclusive` would drop
 * the follow-up; `short` would let two run concurrently.
 * The cron-driven queues use `stately` without a key for the same reason at queue level: a slow
 * fan-out or check is never run twice at once, and ticks during a run collapse into one.
 */
export const QUEUE_DEFINITIONS: readonly QueueDefinition[] = [
  // The dead letter queue exists first: consent-sync names it. Kept 30 days for inspection/replay.
  {
    name: QUEUES.consentSyncDeadLetter,
    policy: 'standard',
    retryLimit: 0,
    retentionSeconds: 30 * 86_400,
    deleteAfterSeconds: 30 * 86_400,
  },
  {
    name: QUEUES.consentSync,
    policy: 'stately',
    ...CONSENT_SYNC_RETRY,
    expireInSeconds: CONSENT_SYNC_EXPIRE_SECONDS,
    heartbeatSeconds: CONSENT_SYNC_HEARTBEAT_SECONDS,
    deadLetter: QUEUES.consentSyncDeadLetter,
  },
  { name: QUEUES.syncFanout, policy: 'stately', retryLimit: 2, retryDelay: 60, expireInSeconds: 15 * 60 },
  { name: QUEUES.consentCheck, policy: 'stately', retryLimit: 2, retryDelay: 60, expireInSeconds: 15 * 60 },
];

/**
 * Creates the queues (idempotent) and brings the options of existing ones in line with the
 * definitions above. A queue's policy cannot change once created; a mismatch is an error.
 */
export async function createQueues(
  boss: Pick<PgBoss, 'createQueue' | 'getQueue' | 'updateQueue'>,
): Promise<void> {
  for (const { name, policy, ...options } of QUEUE_DEFINITIONS) {
    const existing = await boss.getQueue(name);
    if (!existing) {
      await boss.createQueue(name, { policy, ...options });
      continue;
    }
    if (existing.policy !== policy) {
      throw new Error(`queue ${name} has policy ${existing.policy}, expected ${policy}: recreate it`);
    }
    await boss.updateQueue(name, options);
  }
}
