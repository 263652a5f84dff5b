import type { PgBoss, Queue } from 'pg-boss';
import { z } from 'zod';

/**
 * Job contracts of the sync worker.
 *
 * ADAPTER: `@tenant/domain` is to own these (job names, the ConsentSyncJob schema, send options and
 * createQueues) so the api enqueues exactly what the worker consumes. Until it exports them, they
 * live here with the values agreed in the brief; switch the imports when domain lands them.
 */
export const JOB = {
  consentSync: 'consent-sync',
  consentSyncDlq: 'consent-sync-dlq',
  syncFanout: 'sync-fanout',
  consentCheck: 'consent-check',
} as const;

export const SYNC_REASONS = ['initial', 'scheduled', 'manual', 'retry'] as const;

export const ConsentSyncJob = z.object({
  consentId: z.uuid(),
  reason: z.enum(SYNC_REASONS),
});
export type ConsentSyncJob = z.infer<typeof ConsentSyncJob>;

/**
 * consent-sync: `exclusive` allows ONE job per singletonKey (the consent id) in created, retry or
 * active state together, so a queued and an active sync of the same consent can never coexist,
 * let alone run together; a fan-out that finds one pending simply adds nothing.
 * Retries: exponential backoff with jitter from 30 s, capped at 30 min, 5 times, then the DLQ.
 */
export const consentSyncQueue: Omit<Queue, 'name'> = {
  policy: 'exclusive',
  deadLetter: JOB.consentSyncDlq,
  retryLimit: 5,
  retryDelay: 30,
  retryBackoff: true,
  retryDelayMax: 1800,
  expireInSeconds: 3600,
  deleteAfterSeconds: 7 * 86_400,
};

export function consentSyncSendOptions(consentId: string) {
  return { singletonKey: consentId };
}

export async function createQueues(boss: PgBoss): Promise<void> {
  // Dead letters wait for an operator (dlq list / retry): kept 30 days, never worked automatically.
  await boss.createQueue(JOB.consentSyncDlq, {
    retentionSeconds: 30 * 86_400,
    deleteAfterSeconds: 30 * 86_400,
  });
  await boss.createQueue(JOB.consentSync, consentSyncQueue);
  await boss.createQueue(JOB.syncFanout, { policy: 'singleton', retryLimit: 2, expireInSeconds: 900 });
  await boss.createQueue(JOB.consentCheck, { policy: 'singleton', retryLimit: 2, expireInSeconds: 3600 });
}
