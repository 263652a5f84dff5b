import { QUEUES } from '@tenant/domain';
import type { PgBoss } from 'pg-boss';

export type DeadLetter = {
  id: string;
  consentId: string | null;
  reason: string | null;
  failedAt: Date;
  retries: number | null;
  /** The failed attempt's output: error class, message and (for a schema violation) the payload's shape. */
  error: object | null;
};

/** Dead-lettered consent syncs, oldest first. */
export async function listDeadLetters(boss: PgBoss, limit = 100): Promise<DeadLetter[]> {
  const jobs = await boss.findJobs<{ consentId?: string; reason?: string }>(QUEUES.consentSyncDeadLetter, {
    queued: true,
    limit,
  });
  return jobs.map((job) => ({
    id: job.id,
    consentId: job.data?.consentId ?? null,
    reason: job.data?.reason ?? null,
    failedAt: job.createdOn,
    retries: job.sourceRetryCount,
    error: job.sourceOutput,
  }));
}

/**
 * Moves dead letters back to consent-sync (their source queue), all or the given ids. A consent
 * that already has a sync queued keeps that one: the stately policy drops the duplicate.
 */
export async function redriveDeadLetters(
  boss: PgBoss,
  ids?: string[],
  options: { batchSize?: number; onProgress?: (moved: number) => void } = {},
): Promise<number> {
  if (ids) return boss.redrive(QUEUES.consentSyncDeadLetter, { ids, limit: Math.max(1, ids.length) });
  const batchSize = options.batchSize ?? 1000;
  let moved = 0;
  for (;;) {
    const n = await boss.redrive(QUEUES.consentSyncDeadLetter, { limit: batchSize });
    moved += n;
    if (n > 0) options.onProgress?.(moved);
    if (n < batchSize) return moved;
  }
}
