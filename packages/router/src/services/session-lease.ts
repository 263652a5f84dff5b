import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db';

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
  const row = await sql(em).one<{ lease_attempt: number }>(
    `update sessions set lease_until = now() + make_interval(secs => ?), lease_attempt = lease_attempt + 1
      where id = ? and user_id = ? and status = 'IN_PROGRESS' and expires_at > now()
        and (lease_until is null or lease_until <= now())
      returning lease_attempt`,
    [seconds, sessionId, userId],
  );
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
  const row = await sql(em).one<{ lease_attempt: number; sealed: string }>(
    `with taken as (
       select id, return_token_enc from sessions
        where id = ? and user_id = ? and status = 'IN_PROGRESS' and return_token_enc is not null
          and (lease_until is null or lease_until <= now())
        for update
     )
     update sessions se set return_token_enc = null, lease_until = now() + make_interval(secs => ?),
            lease_attempt = se.lease_attempt + 1
       from taken where se.id = taken.id
     returning se.lease_attempt, taken.return_token_enc as sealed`,
    [sessionId, userId, seconds],
  );
  return row ? { sessionId, attempt: row.lease_attempt, sealedToken: row.sealed } : undefined;
}

/**
 * Ends the lease if it is still this caller's; inside the result's transaction, false means the
 * lease lapsed and another call took the session over, so the caller must write nothing.
 */
export async function endLease(em: EntityManager, lease: Lease): Promise<boolean> {
  const n = await sql(em).run(
    'update sessions set lease_until = null, updated_at = now() where id = ? and lease_attempt = ?',
    [lease.sessionId, lease.attempt],
  );
  return n === 1;
}
