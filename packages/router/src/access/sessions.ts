import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db';
import { notFound } from '../errors';
import type { FlowStep, StepRow } from '../services/steps';

export type SessionRow = {
  id: string;
  user_id: string;
  skill_id: string;
  finqware_session_id: string;
  status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'EXPIRED';
  nonce_enc: string | null;
  user_skill_id: string | null;
  expires_at: Date;
  /** The bank's sealed temp_token, waiting for the owner's call to exchange it. */
  return_token_enc: string | null;
  returned_at: Date | null;
  /** Another call is talking to Finqware for this session while this is in the future. */
  lease_busy: boolean;
  credential_failures: number;
  failure_reason: string | null;
  /** The owner's id at Finqware: a consent is theirs only if Finqware answers for it with this id. */
  tenant_user_id: string;
  skill_code: string;
  skill_kind: 'aisp' | 'pisp' | 'marketplace';
  flow: FlowStep[];
};

const SESSION_SELECT = `select se.id, se.user_id, se.skill_id, se.finqware_session_id, se.status, se.nonce_enc,
    se.user_skill_id, se.expires_at, se.return_token_enc, se.returned_at,
    coalesce(se.lease_until > now(), false) as lease_busy, se.credential_failures, se.failure_reason,
    u.tenant_user_id, k.code as skill_code, k.kind as skill_kind, k.flow
  from sessions se join skills k on k.id = se.skill_id join users u on u.id = se.user_id`;

/**
 * A connect session of this user. No lock: whoever talks to Finqware for a session first takes
 * its lease (services/session-lease.ts), and every write after that is fenced on it.
 */
export async function findOwnedSession(
  em: EntityManager,
  userId: string,
  sessionId: string,
): Promise<SessionRow> {
  const row = await sql(em).one<SessionRow>(`${SESSION_SELECT} where se.id = ? and se.user_id = ?`, [
    sessionId,
    userId,
  ]);
  if (!row) throw notFound('Connect session');
  return row;
}

/**
 * The bank callback is not authenticated (the browser arrives from the bank): it may only record
 * what the bank sent on the session it names, for the session's owner to act on.
 */
export async function findSessionForCallback(
  em: EntityManager,
  sessionId: string,
): Promise<SessionRow | undefined> {
  return sql(em).one<SessionRow>(`${SESSION_SELECT} where se.id = ?`, [sessionId]);
}

export async function findCurrentStep(em: EntityManager, sessionId: string): Promise<StepRow | undefined> {
  return sql(em).one<StepRow>(
    `select id, session_id, position, name, kind, status, definition, redirect_url
       from steps where session_id = ? and status = 'CURRENT' order by position desc limit 1`,
    [sessionId],
  );
}

export async function findLastStep(em: EntityManager, sessionId: string): Promise<StepRow | undefined> {
  return sql(em).one<StepRow>(
    `select id, session_id, position, name, kind, status, definition, redirect_url
       from steps where session_id = ? order by position desc limit 1`,
    [sessionId],
  );
}
