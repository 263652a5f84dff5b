import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { sql } from 'kysely';
import { notFound } from '../errors';

/** Connect sessions and their steps: the reads the connect flow and the bank callback make. */

function sessions(em: EntityManager) {
  return db(em)
    .selectFrom('sessions as se')
    .innerJoin('skills as k', 'k.id', 'se.skill_id')
    .innerJoin('users as u', 'u.id', 'se.user_id')
    .select([
      'se.id',
      'se.user_id',
      'se.skill_id',
      'se.finqware_session_id',
      'se.status',
      'se.nonce_enc',
      'se.user_skill_id',
      'se.expires_at',
      // The bank's sealed temp_token, waiting for the owner's call to exchange it.
      'se.return_token_enc',
      'se.returned_at',
      // Another call is talking to Finqware for this session while its lease is in the future.
      sql<boolean>`coalesce(se.lease_until > now(), false)`.as('lease_busy'),
      'se.credential_failures',
      'se.failure_reason',
      // The owner's id at Finqware: a consent is theirs only if Finqware answers for it with this id.
      'u.tenant_user_id',
      'k.code as skill_code',
      'k.kind as skill_kind',
      'k.flow',
    ]);
}

/**
 * A connect session of this user. No lock: whoever talks to Finqware for a session first takes
 * its lease (services/session-lease.ts), and every write after that is fenced on it.
 */
export async function findOwnedSession(em: EntityManager, userId: string, sessionId: string) {
  const row = await sessions(em)
    .where('se.id', '=', sessionId)
    .where('se.user_id', '=', userId)
    .executeTakeFirst();
  if (!row) throw notFound('Connect session');
  return row;
}

export type ConnectSession = Awaited<ReturnType<typeof findOwnedSession>>;

/**
 * The bank callback is not authenticated (the browser arrives from the bank): it may only record
 * what the bank sent on the session it names, for the session's owner to act on.
 */
export async function findSessionForCallback(em: EntityManager, sessionId: string) {
  return sessions(em).where('se.id', '=', sessionId).executeTakeFirst();
}

function steps(em: EntityManager, sessionId: string) {
  return db(em)
    .selectFrom('steps')
    .select(['id', 'session_id', 'position', 'name', 'kind', 'status', 'definition', 'redirect_url'])
    .where('session_id', '=', sessionId)
    .orderBy('position', 'desc')
    .limit(1);
}

export async function findCurrentStep(em: EntityManager, sessionId: string) {
  return steps(em, sessionId).where('status', '=', 'CURRENT').executeTakeFirst();
}

export type SessionStep = NonNullable<Awaited<ReturnType<typeof findCurrentStep>>>;

export async function findLastStep(em: EntityManager, sessionId: string) {
  return steps(em, sessionId).executeTakeFirst();
}
