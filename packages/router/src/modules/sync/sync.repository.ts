import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';

/** The sync ledger of one consent, newest first (callers check that it is the user's). */
export async function recentRuns(em: EntityManager, consentId: string, limit: number) {
  return db(em)
    .selectFrom('sync_runs')
    .select([
      'id',
      'reason',
      'started_at',
      'finished_at',
      'outcome',
      'error_class',
      'accounts_synced',
      'inserted',
      'updated',
      'removed',
    ])
    .where('user_skill_id', '=', consentId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
