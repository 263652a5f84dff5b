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
  skill_code: string;
  skill_kind: 'aisp' | 'pisp' | 'marketplace';
  flow: FlowStep[];
};

const SESSION_SELECT = `select se.id, se.user_id, se.skill_id, se.finqware_session_id, se.status, se.nonce_enc,
    se.user_skill_id, se.expires_at, k.code as skill_code, k.kind as skill_kind, k.flow
  from sessions se join skills k on k.id = se.skill_id`;

/**
 * A connect session of this user. `forUpdate` locks the session row for the rest of the
 * transaction: submissions and the bank callback of one session are serialised through it.
 */
export async function findOwnedSession(
  em: EntityManager,
  userId: string,
  sessionId: string,
  options: { forUpdate?: boolean } = {},
): Promise<SessionRow> {
  const row = await sql(em).one<SessionRow>(
    `${SESSION_SELECT} where se.id = ? and se.user_id = ?${options.forUpdate ? ' for update of se' : ''}`,
    [sessionId, userId],
  );
  if (!row) throw notFound('Connect session');
  return row;
}

/**
 * The bank callback is not authenticated (the browser arrives from the bank); the unguessable
 * session id in the link we gave Finqware is what identifies the session.
 */
export async function findSessionForCallback(
  em: EntityManager,
  sessionId: string,
): Promise<SessionRow | undefined> {
  return sql(em).one<SessionRow>(`${SESSION_SELECT} where se.id = ? for update of se`, [sessionId]);
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
