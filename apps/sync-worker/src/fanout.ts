import type { EntityManager } from '@mikro-orm/postgresql';
import { type ConsentSyncJob, consentSyncSendOptions, QUEUES } from '@tenant/domain';
import { runSql } from '@tenant/sync-engine';
import type { JobInsert, PgBoss } from 'pg-boss';

export type FanOutOptions = {
  /** Starts are spread evenly over this many seconds (SYNC_SPREAD_SECONDS), so the fleet does not stampede Finqware. */
  spreadSeconds: number;
  /** Consents read and jobs inserted per statement. */
  batchSize?: number;
  reason?: ConsentSyncJob['reason'];
  now?: () => Date;
};

/**
 * Enqueues one consent-sync job per ACTIVE consent. Consents are read by keyset on the primary key
 * (no OFFSET, constant cost per batch) and inserted with one `insert()` per batch. The queue's
 * `stately` policy (domain's QUEUE_DEFINITIONS) keeps at most one QUEUED sync per consent, so a job
 * for a consent that already has one waiting is a no-op (ON CONFLICT DO NOTHING) and overlapping
 * fan-outs never double a sync; a consent whose sync is running gets one follow-up.
 */
export async function fanOut(
  em: EntityManager,
  boss: PgBoss,
  options: FanOutOptions,
): Promise<{ consents: number; enqueued: number }> {
  const batchSize = options.batchSize ?? 5000;
  const reason = options.reason ?? 'scheduled';
  const start = (options.now ?? (() => new Date()))().getTime();
  const [{ total } = { total: 0 }] = await runSql<{ total: number }>(
    em,
    `SELECT count(*)::int AS total FROM user_skills WHERE status = 'ACTIVE'`,
  );
  const spreadMs = Math.max(0, options.spreadSeconds) * 1000;
  let after = '00000000-0000-0000-0000-000000000000';
  let seen = 0;
  let enqueued = 0;
  for (;;) {
    const rows = await runSql<{ id: string }>(
      em,
      `SELECT id FROM user_skills WHERE status = 'ACTIVE' AND id > ? ORDER BY id LIMIT ?`,
      [after, batchSize],
    );
    if (rows.length === 0) break;
    const jobs: JobInsert[] = rows.map((row, i) => {
      const offset = total > 1 ? Math.floor(((seen + i) * spreadMs) / total) : 0;
      return {
        data: { consentId: row.id, reason } satisfies ConsentSyncJob,
        ...consentSyncSendOptions(row.id),
        startAfter: new Date(start + offset),
      };
    });
    const ids = await boss.insert(QUEUES.consentSync, jobs, { returnId: true });
    enqueued += ids?.length ?? 0;
    seen += rows.length;
    after = (rows.at(-1) as { id: string }).id;
    if (rows.length < batchSize) break;
  }
  return { consents: seen, enqueued };
}
