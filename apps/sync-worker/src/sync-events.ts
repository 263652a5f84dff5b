import type { MikroORM } from '@mikro-orm/postgresql';
import { db, SYNC_EVENTS_CHANNEL, syncEventPayload } from '@tenant/domain';
import type { SyncProgress } from '@tenant/sync-engine';
import { sql } from 'kysely';

/**
 * Publishes a sync's progress on the PostgreSQL channel every api instance listens to (each
 * hands it to that user's live subscriptions). NOTIFY reaches listeners when its statement
 * commits; it runs after the engine's own commit, so an api that hears of a page can read it.
 */
export function syncEventPublisher(orm: MikroORM) {
  return async (progress: SyncProgress): Promise<void> => {
    const payload = syncEventPayload({
      userId: progress.userId,
      consentId: progress.consentId,
      runId: progress.runId,
      outcome: progress.outcome,
      ...progress.counts,
      at: new Date().toISOString(),
    });
    await sql`select pg_notify(${SYNC_EVENTS_CHANNEL}, ${payload})`.execute(db(orm.em.fork()));
  };
}
