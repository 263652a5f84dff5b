import type { PgBoss, Queue, SendOptions } from 'pg-boss';
import { z } from 'zod';
import { SYNC_REASONS } from './entities/enums';

/**
 * Queue contracts shared by everyone who enqueues (router, fan-out) and everyone who works
 * (sync-worker): names, payload schemas, send options and each queue's failure detection live
 * here so both sides agree. Every queue is one entry of QUEUE_DEFINITIONS below; QUEUES (the
 * names) is derived from it, so a queue cannot exist without its definition.
 */

/**
 * How often a supervising pg-boss instance (every worker) looks for jobs whose worker died: each
 * pass fails the active jobs whose heartbeat lapsed or whose expiry passed, and they go back to
 * their queue as retries. pg-boss's default is a minute; every 15 s keeps a dead worker's job
 * from waiting a minute more than its heartbeat. Each pass also refreshes the queue counters
 * (one aggregate over the job table, ~0.2 s per million rows).
 */
export const SUPERVISION = { superviseIntervalSeconds: 15, monitorIntervalSeconds: 15 } as const;

/** The promise every queue keeps: a job whose worker died is back in its queue within this. */
export const DEAD_WORKER_NOTICED_WITHIN_SECONDS = 60;

/**
 * How pg-boss notices that the worker holding a job died (SIGKILL, OOM, a lost node, a redeploy
 * that did not drain). Every queue declares one, with the reason it fits that queue's work:
 * - a heartbeat, for work whose length cannot be bounded (it grows with the data): the worker
 *   touches its jobs every heartbeatSeconds / 2, and a job untouched for heartbeatSeconds is
 *   failed by the next supervision pass. The expiry then only bounds a live worker that hangs;
 * - a short expiry alone, for work that is short by construction (one call with a timeout):
 *   the job is failed once it has run expireInSeconds, dead worker or not.
 */
export type FailureDetection = { why: string } & (
  | { heartbeatSeconds: number; expireInSeconds: number }
  | { heartbeatSeconds?: undefined; expireInSeconds: number }
);

/** A queue as pg-boss creates it, its failure detection spelled out instead of left to defaults. */
export type QueueDefinition = Omit<Queue, 'heartbeatSeconds' | 'expireInSeconds' | 'policy'> & {
  policy: NonNullable<Queue['policy']>;
  failureDetection: FailureDetection;
};

/** Worst case from a worker's death to its job being failed back into the queue. */
export function deadWorkerNoticedWithinSeconds(detection: FailureDetection): number {
  const lapse = detection.heartbeatSeconds ?? detection.expireInSeconds;
  return lapse + SUPERVISION.monitorIntervalSeconds;
}

/**
 * The heartbeat of the queues whose work grows with the data. 30 s plus one supervision pass
 * stays within DEAD_WORKER_NOTICED_WITHIN_SECONDS; shorter would risk failing a live job whose
 * worker's pool was busy for a few seconds, and a consent sync failed while it still runs has
 * its retry racing it on the consent's cursor.
 */
export const HEARTBEAT_SECONDS = 30;

/** Retry policy of a consent sync: transient failures back off exponentially up to 30 min. */
export const CONSENT_SYNC_RETRY = {
  retryLimit: 5,
  retryDelay: 30,
  retryBackoff: true,
  retryDelayMax: 1_800,
} as const;

/**
 * Every queue, in creation order. To add one: add an entry here (its failure detection is
 * required by the type, and `test/jobs.test.ts` checks it against DEAD_WORKER_NOTICED_WITHIN_SECONDS),
 * create it with `createQueues`, refer to it as `QUEUES.<key>`.
 *
 * Why `stately` for consent-sync: it allows one job per state and per singletonKey, i.e. at most
 * one QUEUED and one ACTIVE sync per consent. Two syncs of one consent can never run at once
 * (they would race on its cursor), duplicates sent while one is queued collapse into it (`send`
 * returns null), and a request arriving while a sync is running is not lost: it waits as the one
 * queued follow-up. `singleton` would let duplicates pile up in the queue; `exclusive` would drop
 * the follow-up; `short` would let two run concurrently.
 * The cron-driven queues use `stately` without a key for the same reason at queue level: a slow
 * fan-out or check is never run twice at once, and ticks during a run collapse into one.
 */
export const QUEUE_DEFINITIONS = {
  /** consent-sync jobs that exhausted their retries (protocol errors go here at once). Kept 30 days. */
  consentSyncDeadLetter: {
    name: 'consent-sync-dlq',
    policy: 'standard',
    retryLimit: 0,
    retentionSeconds: 30 * 86_400,
    deleteAfterSeconds: 30 * 86_400,
    failureDetection: {
      heartbeatSeconds: HEARTBEAT_SECONDS,
      expireInSeconds: 15 * 60,
      why: 'never worked automatically (dlq retry moves letters back to consent-sync); the heartbeat is there for the day someone works it',
    },
  },
  /** Sync one consent: accounts, balances, transactions. */
  consentSync: {
    name: 'consent-sync',
    policy: 'stately',
    ...CONSENT_SYNC_RETRY,
    deadLetter: 'consent-sync-dlq',
    failureDetection: {
      heartbeatSeconds: HEARTBEAT_SECONDS,
      expireInSeconds: 30 * 60,
      why:
        'a first sync walks the whole history, so its length grows with the account: heartbeat. A dead ' +
        "worker's job would otherwise hold the consent's singleton slot until the expiry; the retry resumes " +
        'from the cursor. The 30-minute expiry bounds a live sync that hangs between pages.',
    },
  },
  /** Cron-triggered: enqueue one consent-sync per ACTIVE consent, spread over SYNC_SPREAD_SECONDS. */
  syncFanout: {
    name: 'sync-fanout',
    policy: 'stately',
    // A failed fan-out is a database failure, not a bank's: retry soon and without backoff.
    retryLimit: 3,
    retryDelay: 10,
    failureDetection: {
      heartbeatSeconds: HEARTBEAT_SECONDS,
      expireInSeconds: 15 * 60,
      why:
        'its length grows with the number of consents (100k in ~6 s): heartbeat, so a fan-out killed ' +
        'half-way is retried within a minute instead of blocking the fan-outs queued behind it. The retry ' +
        'is harmless: each consent-sync job id derives from the fan-out job id (apps/sync-worker fanout.ts).',
    },
  },
  /** Cron-triggered: refresh consent status/expiry from Finqware and flag expires_soon. */
  consentCheck: {
    name: 'consent-check',
    policy: 'stately',
    retryLimit: 3,
    retryDelay: 10,
    failureDetection: {
      heartbeatSeconds: HEARTBEAT_SECONDS,
      expireInSeconds: 4 * 3_600,
      why:
        'one Finqware call per ACTIVE consent, 8 at a time (about an hour per 100k): heartbeat, and an ' +
        'expiry well above the longest check, which would otherwise be failed and restarted forever. ' +
        'A retry checks every consent again, which only refreshes what it already wrote.',
    },
  },
  /**
   * Cron-triggered (hourly): delete the cached accounts, balances and transactions of consents
   * whose max_data_retention has passed (apps/sync-worker retention-purge.ts). CONSENT_REVOKE_PURGE
   * is the other half of data retention: it purges a revoked consent at once instead of at its
   * retention date.
   */
  retentionPurge: {
    name: 'retention-purge',
    policy: 'stately',
    retryLimit: 3,
    retryDelay: 10,
    failureDetection: {
      heartbeatSeconds: HEARTBEAT_SECONDS,
      expireInSeconds: 30 * 60,
      why:
        'its length grows with the consents due and the rows they cached (one transaction per consent): ' +
        'heartbeat. A retry is harmless: purged consents have no accounts left and are skipped.',
    },
  },
  /**
   * Follow one authorised payment to a final status: each job reads "get payment" once, records what
   * it learned and sends the next poll (PAYMENT_TRACKING below) until the status is final.
   */
  paymentStatus: {
    name: 'payment-status',
    // Per payment at most one queued and one running poll: a poll sends its successor while it
    // runs, and a second send (the sweep, the callback after a retry) collapses into the queued one.
    policy: 'stately',
    retryLimit: 10,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 300,
    failureDetection: {
      expireInSeconds: 45,
      why:
        'one "get payment" call bounded by PAYMENT_TRACKING.callTimeoutSeconds (20 s), then a short write: short ' +
        "by construction, so a short expiry alone. A dead worker's poll is failed and retried within a minute; " +
        'a poll is a read and its writes only move the status forward, so running one twice is harmless.',
    },
  },
  /**
   * Cron-triggered (every 5 minutes): ends PENDING payments nobody authorised in time, and makes
   * sure every authorised, unfinished payment has a poll queued (a safety net under payment-status).
   */
  paymentSweep: {
    name: 'payment-sweep',
    policy: 'stately',
    retryLimit: 3,
    retryDelay: 10,
    failureDetection: {
      expireInSeconds: 45,
      why:
        'one update for the expired PENDING payments and one send per unfinished payment, all in the database ' +
        '(no Finqware call): short. A sweep run twice only sends polls that collapse into the queued ones.',
    },
  },
} as const satisfies Record<string, QueueDefinition & { name: string }>;

type Definitions = typeof QUEUE_DEFINITIONS;
export type QueueKey = keyof Definitions;

/** Queue names, by key: `QUEUES.consentSync` is `'consent-sync'`. */
export const QUEUES = Object.fromEntries(
  Object.entries(QUEUE_DEFINITIONS).map(([key, definition]) => [key, definition.name]),
) as { readonly [K in QueueKey]: Definitions[K]['name'] };
export type QueueName = (typeof QUEUES)[QueueKey];

/** The options pg-boss's createQueue/updateQueue take for a definition. */
export function queueOptions(definition: QueueDefinition): Omit<Queue, 'name'> {
  const { name: _name, failureDetection, ...options } = definition;
  return {
    ...options,
    expireInSeconds: failureDetection.expireInSeconds,
    ...(failureDetection.heartbeatSeconds !== undefined
      ? { heartbeatSeconds: failureDetection.heartbeatSeconds }
      : {}),
  };
}

/**
 * What is wrong with the queues pg-boss holds (`boss.getQueues()`), measured against the
 * definitions: a queue created outside QUEUE_DEFINITIONS, or one whose stored failure detection
 * differs from its definition. Empty when all is well; tests assert that after the api and the
 * worker have created theirs.
 */
export function queueDefinitionProblems(
  queues: readonly Pick<Queue, 'name' | 'heartbeatSeconds' | 'expireInSeconds'>[],
): string[] {
  const byName = new Map<string, QueueDefinition>(
    Object.values(QUEUE_DEFINITIONS).map((definition) => [definition.name, definition]),
  );
  const problems: string[] = [];
  for (const queue of queues) {
    // pg-boss's own (the cron's send-it queue): its jobs are single inserts, made by pg-boss.
    if (queue.name.startsWith('__pgboss__')) continue;
    const definition = byName.get(queue.name);
    if (!definition) {
      problems.push(`queue ${queue.name} has no entry in QUEUE_DEFINITIONS (packages/domain/src/jobs.ts)`);
      continue;
    }
    const { heartbeatSeconds, expireInSeconds } = definition.failureDetection;
    if ((queue.heartbeatSeconds ?? undefined) !== heartbeatSeconds) {
      problems.push(
        `queue ${queue.name}: heartbeat ${queue.heartbeatSeconds ?? 'none'}, defined ${heartbeatSeconds ?? 'none'}`,
      );
    }
    if (queue.expireInSeconds !== expireInSeconds) {
      problems.push(`queue ${queue.name}: expiry ${queue.expireInSeconds} s, defined ${expireInSeconds} s`);
    }
  }
  return problems;
}

export const consentSyncJobSchema = z.object({
  consentId: z.uuid(),
  reason: z.enum(SYNC_REASONS),
});
export type ConsentSyncJob = z.infer<typeof consentSyncJobSchema>;

/** What the cron sends is `{}`; an operator (or the soak) may ask for smaller batches. */
export const syncFanoutJobSchema = z
  .object({ batchSize: z.number().int().min(1).max(50_000).optional() })
  .loose();
export type SyncFanoutJob = z.infer<typeof syncFanoutJobSchema>;

export const consentCheckJobSchema = z.object({ consentId: z.uuid().optional() });
export type ConsentCheckJob = z.infer<typeof consentCheckJobSchema>;

const consentSync = QUEUE_DEFINITIONS.consentSync;

/**
 * Options for every `boss.send(QUEUES.consentSync, job, options)`: the singleton key makes the
 * queue policy hold at most one queued and one active sync per consent. The rest repeats the
 * queue's own settings, so a job carries them even if the queue row was created by an older
 * version.
 */
export function consentSyncSendOptions(
  consentId: string,
  extra: Pick<SendOptions, 'startAfter' | 'db' | 'id'> = {},
): SendOptions {
  return {
    singletonKey: consentId,
    ...CONSENT_SYNC_RETRY,
    expireInSeconds: consentSync.failureDetection.expireInSeconds,
    heartbeatSeconds: consentSync.failureDetection.heartbeatSeconds,
    deadLetter: consentSync.deadLetter,
    ...extra,
  };
}

/** Validates a payload before it is enqueued; throws a ZodError naming the bad field. */
export function consentSyncJob(data: ConsentSyncJob): ConsentSyncJob {
  return consentSyncJobSchema.parse(data);
}

/**
 * Creates the queues (idempotent) and brings the options of existing ones in line with the
 * definitions above. A queue's policy cannot change once created; a mismatch is an error.
 */
export async function createQueues(
  boss: Pick<PgBoss, 'createQueue' | 'getQueue' | 'updateQueue'>,
): Promise<void> {
  for (const definition of Object.values(QUEUE_DEFINITIONS) as QueueDefinition[]) {
    const { policy, ...options } = queueOptions(definition);
    const existing = await boss.getQueue(definition.name);
    if (!existing) {
      await boss.createQueue(definition.name, { policy, ...options });
      continue;
    }
    if (existing.policy !== policy) {
      throw new Error(
        `queue ${definition.name} has policy ${existing.policy}, expected ${policy}: recreate it`,
      );
    }
    await boss.updateQueue(definition.name, options);
  }
}

/**
 * How an authorised payment is followed (payment-status jobs). Polls come quickly at first (most
 * banks answer within seconds), then at a quarter of the payment's age, at most hourly, until a
 * final status or `maxDays` after authorisation, when it ends FAILED (`tracking_timeout`): a bounded
 * number of polls (about 130 over five days) whatever the bank does. A 429 waits its Retry-After.
 */
export const PAYMENT_TRACKING = {
  firstPollSeconds: 5,
  maxPollSeconds: 3_600,
  maxDays: 5,
  /** The whole "get payment" call of one poll, retries included (within the queue's 45 s expiry). */
  callTimeoutSeconds: 20,
  /**
   * A PENDING payment ends FAILED (`not_authorised`) this long after it was initiated: its connect
   * session (and the bank link, which Finqware's 30-minute nonce bounds) lives 30 minutes; ten
   * more minutes let a PSU who approved at the last moment come back through the callback.
   */
  authorisationWindowSeconds: 40 * 60,
  /** How often the sweep runs. */
  sweepCron: '*/5 * * * *',
} as const;

/** Seconds until the next poll of a payment authorised `ageSeconds` ago. */
export function nextPaymentPollSeconds(ageSeconds: number): number {
  const { firstPollSeconds, maxPollSeconds } = PAYMENT_TRACKING;
  return Math.round(Math.min(maxPollSeconds, Math.max(firstPollSeconds, ageSeconds / 4)));
}

export const paymentStatusJobSchema = z.object({ paymentId: z.uuid() });
export type PaymentStatusJob = z.infer<typeof paymentStatusJobSchema>;

const paymentStatus = QUEUE_DEFINITIONS.paymentStatus;

/** Options for every `boss.send(QUEUES.paymentStatus, job, options)`: one queued poll per payment. */
export function paymentStatusSendOptions(
  paymentId: string,
  extra: Pick<SendOptions, 'startAfter' | 'db'> = {},
): SendOptions {
  return {
    singletonKey: paymentId,
    retryLimit: paymentStatus.retryLimit,
    retryDelay: paymentStatus.retryDelay,
    retryBackoff: paymentStatus.retryBackoff,
    retryDelayMax: paymentStatus.retryDelayMax,
    expireInSeconds: paymentStatus.failureDetection.expireInSeconds,
    ...extra,
  };
}
