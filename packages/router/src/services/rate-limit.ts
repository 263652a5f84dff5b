import type { EntityManager } from '@mikro-orm/postgresql';
import { db, type RateLimitHitKind } from '@tenant/domain';
import { sql } from 'kysely';

/** At most `max` hits per key in any window of `windowSeconds` (a sliding window). */
export type Limit = { max: number; windowSeconds: number };

export type Reservation = { taken: true; hitId: string } | { taken: false; retryAfterSeconds: number };

/**
 * Takes one of the `limit.max` slots of `key` in the window ending at `now`, or says how long until
 * one frees up. The api runs as N instances, so the count lives in PostgreSQL (rate_limit_hits);
 * counting and inserting happen under a transaction-scoped advisory lock on the key, so of any
 * number of parallel callers on any instance exactly the free slots are taken: the others wait for
 * the lock, then count the slots taken before them. The transaction is three short statements and
 * commits before the caller does its work (a password hash, say): no lock is held across it.
 * Refusals insert nothing, so a flood cannot grow the table beyond `max` rows per key.
 *
 * Two things keep a flood on one key from costing everyone else (#12 item 2):
 * - callers of one key in this process queue here, in memory, and only the first of them holds a
 *   pooled connection waiting for the advisory lock (80 requests waiting on the lock would hold the
 *   whole pool, and another user's sign-in would wait for a connection);
 * - an `attempt` key that was refused stays refused in this process until the instant the database
 *   gave, without asking it again: attempts are never given back, so no slot can free up sooner.
 */
export async function reserve(
  em: EntityManager,
  key: string,
  kind: RateLimitHitKind,
  limit: Limit,
  now: Date,
): Promise<Reservation> {
  if (kind === 'attempt') {
    const until = refusedUntil.get(key);
    if (until !== undefined && until > now.getTime()) {
      return { taken: false, retryAfterSeconds: (until - now.getTime()) / 1000 };
    }
  }
  const reservation = await oneAtATime(key, () => reserveInDatabase(em, key, kind, limit, now));
  if (!reservation.taken && kind === 'attempt')
    remember(key, now.getTime() + reservation.retryAfterSeconds * 1000);
  return reservation;
}

/** Keys refused in this process, with the instant their next slot frees up (epoch ms). */
const refusedUntil = new Map<string, number>();
/** Beyond this many refused keys (many addresses at once), forget them all: the database still decides. */
const MAX_REMEMBERED = 10_000;

function remember(key: string, until: number) {
  if (refusedUntil.size >= MAX_REMEMBERED) refusedUntil.clear();
  refusedUntil.set(key, until);
}

/** The last reservation queued for each key in this process. */
const queues = new Map<string, Promise<unknown>>();

function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).then(work, work);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
}

async function reserveInDatabase(
  em: EntityManager,
  key: string,
  kind: RateLimitHitKind,
  limit: Limit,
  now: Date,
): Promise<Reservation> {
  return em.transactional(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(db(tx));
    // The key's own expired hits go here; those of keys never seen again, with the retention purge.
    await db(tx)
      .deleteFrom('rate_limit_hits')
      .where('key', '=', key)
      .where('expires_at', '<=', now)
      .execute();
    // With `max` live hits, a slot frees up when the max-th newest leaves the window.
    const full = await db(tx)
      .selectFrom('rate_limit_hits')
      .select('expires_at')
      .where('key', '=', key)
      .orderBy('expires_at', 'desc')
      .offset(limit.max - 1)
      .limit(1)
      .executeTakeFirst();
    if (full) {
      return { taken: false, retryAfterSeconds: (full.expires_at.getTime() - now.getTime()) / 1000 };
    }
    const hit = await db(tx)
      .insertInto('rate_limit_hits')
      .values({
        key,
        kind,
        at: now,
        expires_at: new Date(now.getTime() + limit.windowSeconds * 1000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { taken: true, hitId: hit.id };
  });
}

/** Gives a slot back (a sign-in whose password was right, or that never got to verify it). */
export async function release(em: EntityManager, hitId: string): Promise<void> {
  await db(em).deleteFrom('rate_limit_hits').where('id', '=', hitId).execute();
}

/** Keeps a pending slot for the rest of its window as what it turned out to be. */
export async function settle(em: EntityManager, hitId: string, kind: RateLimitHitKind): Promise<void> {
  await db(em).updateTable('rate_limit_hits').set({ kind }).where('id', '=', hitId).execute();
}
