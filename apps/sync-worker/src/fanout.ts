import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type ConsentSyncJob, consentSyncSendOptions, db, QUEUES } from '@tenant/domain';
import type { JobInsert, PgBoss } from 'pg-boss';
import { v5 as uuidv5 } from 'uuid';

export type FanOutOptions = {
  /** Starts are spread evenly over this many seconds (SYNC_SPREAD_SECONDS), so the fleet does not stampede Finqware. */
  spreadSeconds: number;
  /**
   * The fan-out's identity: its sync-fanout job id, the same for every attempt of that job. Each
   * consent's sync job id derives from it, so a retried fan-out enqueues nothing twice. A fan-out
   * without one (the operator's `fanout` command) gets a fresh id.
   */
  fanoutId?: string;
  /** Consents read and jobs inserted per statement. */
  batchSize?: number;
  reason?: ConsentSyncJob['reason'];
  now?: () => Date;
  /** Aborted when pg-boss takes the job away (its heartbeat lapsed): stop between batches. */
  signal?: AbortSignal;
  /** Called after each committed batch. */
  onBatch?: (progress: FanOutProgress) => void;
};

export type FanOutProgress = { consents: number; total: number; enqueued: number };

/**
 * The id of the sync job a fan-out enqueues for one consent: a name-based (v5) uuid of the consent
 * in the fan-out's namespace. pg-boss's insert skips a job whose id exists (its primary key), in
 * any state — queued, running or done.
 */
export function fanoutJobId(fanoutId: string, consentId: string): string {
  return uuidv5(consentId, fanoutId);
}

/**
 * Enqueues one consent-sync job per ACTIVE consent. Consents are read by keyset on the primary key
 * (no OFFSET, constant cost per batch) and inserted with one `insert()` per batch.
 *
 * Exactly once per fan-out, even when a worker dies half-way and the job is retried: the retry
 * reads every consent again, and the jobs the killed attempt committed are skipped by their ids
 * (`fanoutJobId`). The queue's per-consent singleton alone would not do it: it only collapses a job
 * into one still *queued*, and by the time the retry runs the first batches' syncs have started
 * or finished. The singleton does the rest: a consent that already has a sync waiting (a manual
 * refresh, an earlier fan-out) gets nothing more, and a consent whose sync is running gets one
 * follow-up.
 */
export async function fanOut(
  em: EntityManager,
  boss: PgBoss,
  options: FanOutOptions,
): Promise<{ consents: number; enqueued: number }> {
  const batchSize = options.batchSize ?? 5000;
  const reason = options.reason ?? 'scheduled';
  const fanoutId = options.fanoutId ?? randomUUID();
  const start = (options.now ?? (() => new Date()))().getTime();
  const { total } = await db(em)
    .selectFrom('user_skills')
    .select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('total'))
    .where('status', '=', 'ACTIVE')
    .executeTakeFirstOrThrow();
  const spreadMs = Math.max(0, options.spreadSeconds) * 1000;
  let after = '00000000-0000-0000-0000-000000000000';
  let seen = 0;
  let enqueued = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const rows = await db(em)
      .selectFrom('user_skills')
      .select('id')
      .where('status', '=', 'ACTIVE')
      .where('id', '>', after)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    const jobs: JobInsert[] = rows.map((row, i) => {
      const offset = total > 1 ? Math.floor(((seen + i) * spreadMs) / total) : 0;
      return {
        data: { consentId: row.id, reason } satisfies ConsentSyncJob,
        ...consentSyncSendOptions(row.id),
        id: fanoutJobId(fanoutId, row.id),
        startAfter: new Date(start + offset),
      };
    });
    const ids = await boss.insert(QUEUES.consentSync, jobs, { returnId: true });
    enqueued += ids?.length ?? 0;
    seen += rows.length;
    after = rows[rows.length - 1]?.id ?? after;
    options.onBatch?.({ consents: seen, total, enqueued });
    if (rows.length < batchSize) break;
  }
  return { consents: seen, enqueued };
}
