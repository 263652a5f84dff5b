import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { runSql } from '@tenant/sync-engine';

/** Hourly, off the hour: Finqware's own expiry job runs every two hours (finqware-api.md §4.3). */
export const RETENTION_PURGE_CRON = '23 * * * *';

export type RetentionPurgeResult = { consents: number; accounts: number };

/**
 * Deletes the cached bank data of every consent whose `max_data_retention` has passed: the date
 * Finqware gave us for when the data behind the consent must be gone (from its cache, and so from
 * ours). Accounts are deleted, and their balances and transactions with them (ON DELETE CASCADE);
 * the consent row stays, so the user still sees the connection and its history of syncs.
 *
 * An ACTIVE consent whose retention passed (a tenant-skill whose retention is shorter than its
 * consent) also loses its sync cursor: its next sync starts a fresh backfill of whatever Finqware
 * still holds, instead of adding rows to a history that was cut.
 *
 * One transaction per consent, so a purge interrupted half-way (worker killed, job taken away)
 * leaves whole consents and the retry finds the rest. Revoked consents are purged at once when
 * CONSENT_REVOKE_PURGE is true (consents.revoke); otherwise, like any other, at their retention.
 */
export async function purgeExpiredData(
  orm: MikroORM,
  options: { now?: () => Date; signal?: AbortSignal; batchSize?: number } = {},
): Promise<RetentionPurgeResult> {
  const result: RetentionPurgeResult = { consents: 0, accounts: 0 };
  const batchSize = options.batchSize ?? 100;
  const now = (options.now ?? (() => new Date()))();
  let after = '00000000-0000-0000-0000-000000000000';
  while (!options.signal?.aborted) {
    const due = await runSql<{ id: string }>(
      orm.em.fork() as EntityManager,
      `SELECT us.id FROM user_skills us
        WHERE us.max_data_retention <= ? AND us.id > ?
          AND EXISTS (SELECT 1 FROM accounts a WHERE a.user_skill_id = us.id)
        ORDER BY us.id LIMIT ?`,
      [now, after, batchSize],
    );
    if (due.length === 0) break;
    for (const { id } of due) {
      if (options.signal?.aborted) break;
      const deleted = await (orm.em.fork() as EntityManager).transactional(async (em) => {
        const rows = await runSql(em, 'DELETE FROM accounts WHERE user_skill_id = ? RETURNING id', [id]);
        await runSql(
          em,
          `UPDATE user_skills SET sync_cursor = '{}'::jsonb, updated_at = now() WHERE id = ? AND status = 'ACTIVE'`,
          [id],
        );
        return rows.length;
      });
      result.consents++;
      result.accounts += deleted;
    }
    after = (due.at(-1) as { id: string }).id;
  }
  return result;
}
