import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { type NotNull, sql } from 'kysely';

/**
 * One call at a time talks to Finqware for a connect session, and no row lock or transaction is
 * held while it does (a slow bank would otherwise hold a pooled connection per waiting caller).
 * The call takes the session's lease in one statement, makes its Finqware call, and writes the
 * result in a short transaction fenced on the attempt number it took: a caller whose lease lapsed
 * and was taken over writes nothing. A second caller meanwhile is refused at once (CONFLICT).
 */

export type Lease = { sessionId: string; attempt: number };

/**
 * Takes the lease of an open session of this user, if nobody holds it. Undefined when the session
 * is busy, ended, expired or not this user's: the caller reads the session to say which.
 */
export async function takeLease(
  em: EntityManager,
  userId: string,
  sessionId: string,
  seconds: number,
): Promise<Lease | undefined> {
  const row = await db(em)
    .updateTable('sessions')
    .set((eb) => ({
      lease_until: sql<Date>`now() + make_interval(secs => ${seconds})`,
      lease_attempt: eb('lease_attempt', '+', 1),
    }))
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .where('status', '=', 'IN_PROGRESS')
    .where('expires_at', '>', sql<Date>`now()`)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', sql<Date>`now()`)]))
    .returning('lease_attempt')
    .executeTakeFirst();
  return row ? { sessionId, attempt: row.lease_attempt } : undefined;
}

/**
 * Takes the lease together with the bank's return token the callback recorded (emptying its slot,
 * so the token is exchanged once). Undefined when there is no token or the session is busy.
 */
export async function takeReturnToken(
  em: EntityManager,
  userId: string,
  sessionId: string,
  seconds: number,
): Promise<(Lease & { sealedToken: string }) | undefined> {
  const row = await db(em)
    .with('taken', (qc) =>
      qc
        .selectFrom('sessions')
        .select(['id', 'return_token_enc'])
        .where('id', '=', sessionId)
        .where('user_id', '=', userId)
        .where('status', '=', 'IN_PROGRESS')
        .where('return_token_enc', 'is not', null)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', sql<Date>`now()`)]))
        .forUpdate(),
    )
    .updateTable('sessions as se')
    .from('taken')
    .set((eb) => ({
      return_token_enc: null,
      lease_until: sql<Date>`now() + make_interval(secs => ${seconds})`,
      lease_attempt: eb('se.lease_attempt', '+', 1),
    }))
    .whereRef('se.id', '=', 'taken.id')
    .returning(['se.lease_attempt', 'taken.return_token_enc as sealed'])
    .$narrowType<{ sealed: NotNull }>()
    .executeTakeFirst();
  return row ? { sessionId, attempt: row.lease_attempt, sealedToken: row.sealed } : undefined;
}

/**
 * Ends the lease if it is still this caller's; inside the result's transaction, false means the
 * lease lapsed and another call took the session over, so the caller must write nothing.
 */
export async function endLease(em: EntityManager, lease: Lease): Promise<boolean> {
  const result = await db(em)
    .updateTable('sessions')
    .set({ lease_until: null, updated_at: sql<Date>`now()` })
    .where('id', '=', lease.sessionId)
    .where('lease_attempt', '=', lease.attempt)
    .executeTakeFirst();
  const n = Number(result.numUpdatedRows);
  return n === 1;
}
