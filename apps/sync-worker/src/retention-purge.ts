import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { sql } from 'kysely';

/** Hourly, off the hour: Finqware's own expiry job runs every two hours (finqware-api.md §4.3). */
export const RETENTION_PURGE_CRON = '23 * * * *';

export type RetentionPurgeResult = { consents: number; accounts: number; rateLimitHits: number };

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
 *
 * The sign-in limits' hits that have left their window go too: the api deletes a key's old hits
 * when it counts that key again, and those of keys never seen again (a sprayed e-mail) only here.
 */
export async function purgeExpiredData(
  orm: MikroORM,
  options: { now?: () => Date; signal?: AbortSignal; batchSize?: number } = {},
): Promise<RetentionPurgeResult> {
  const result: RetentionPurgeResult = { consents: 0, accounts: 0, rateLimitHits: 0 };
  const batchSize = options.batchSize ?? 100;
  const now = (options.now ?? (() => new Date()))();
  const expiredHits = await db(orm.em.fork() as EntityManager)
    .deleteFrom('rate_limit_hits')
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  result.rateLimitHits = Number(expiredHits.numDeletedRows);
  let after = '00000000-0000-0000-0000-000000000000';
  while (!options.signal?.aborted) {
    const due = await db(orm.em.fork() as EntityManager)
      .selectFrom('user_skills as us')
      .select('us.id')
      .where('us.max_data_retention', '<=', now)
      .where('us.id', '>', after)
      .where((eb) =>
        eb.exists(eb.selectFrom('accounts as a').select('a.id').whereRef('a.user_skill_id', '=', 'us.id')),
      )
      .orderBy('us.id')
      .limit(batchSize)
      .execute();
    if (due.length === 0) break;
    for (const { id } of due) {
      if (options.signal?.aborted) break;
      const deleted = await (orm.em.fork() as EntityManager).transactional(async (em) => {
        const rows = await db(em)
          .deleteFrom('accounts')
          .where('user_skill_id', '=', id)
          .returning('id')
          .execute();
        await db(em)
          .updateTable('user_skills')
          .set({ sync_cursor: sql<Record<string, unknown>>`'{}'::jsonb`, updated_at: sql<Date>`now()` })
          .where('id', '=', id)
          .where('status', '=', 'ACTIVE')
          .execute();
        return rows.length;
      });
      result.consents++;
      result.accounts += deleted;
    }
    after = due[due.length - 1]?.id ?? after;
  }
  return result;
}
