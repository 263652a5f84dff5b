import type { EntityManager } from '@mikro-orm/postgresql';
import { db, SYNC_EVENTS_CHANNEL, type SyncEvent, syncEventPayload } from '@tenant/domain';
import { type RawBuilder, sql } from 'kysely';

/**
 * Live sync status for the api (docs/architecture.md, "Sync"): each event is a `pg_notify` on
 * SYNC_EVENTS_CHANNEL, delivered to every listening api instance when its transaction commits. The
 * engine sends an event in the statement whose write it reports wherever it can (the run's start,
 * the run's end), so it costs no round trip of its own and reaches the api exactly when the
 * change it reports is visible.
 */

/** The user id of an event whose user only the statement that sends it knows (the run's start). */
const USER_READ_BY_THE_STATEMENT = '00000000-0000-0000-0000-000000000000';

/** An event's payload (the format every api instance parses: `syncEventPayload`). */
export function syncEvent(event: Omit<SyncEvent, 'at'>): string {
  return syncEventPayload({ ...event, at: new Date().toISOString() });
}

/** The `pg_notify` of a payload, for a statement's select list or CTE. */
export function notifyOf(payload: string | RawBuilder<string>): RawBuilder<unknown> {
  return sql`pg_notify(${SYNC_EVENTS_CHANNEL}, ${payload})`;
}

/**
 * The payload of an event whose user id only the statement that sends it reads (the run's start):
 * written by `syncEventPayload` like every other one, with a stand-in user id that `withUserOf`
 * replaces in the statement.
 */
export function syncEventWithoutUser(event: Omit<SyncEvent, 'at' | 'userId'>): string {
  return syncEvent({ ...event, userId: USER_READ_BY_THE_STATEMENT });
}

/** A `syncEventWithoutUser` payload given the user id the statement found. */
export function withUserOf(payload: string, userId: RawBuilder<string>): RawBuilder<string> {
  return sql<string>`jsonb_set(${payload}::jsonb, '{userId}', to_jsonb(${userId}))::text`;
}

/** An event on its own (a page written mid-walk): one statement, autocommit. */
export async function notify(em: EntityManager, payload: string): Promise<void> {
  await sql`select ${notifyOf(payload)}`.execute(db(em));
}
