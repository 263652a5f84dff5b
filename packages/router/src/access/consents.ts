import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db';
import { notFound } from '../errors';

export type ConsentStatus = 'ACTIVE' | 'EXPIRED' | 'DELETED' | 'REAUTH_REQUIRED';

export type OwnedConsent = { id: string; user_id: string; status: ConsentStatus; skill_kind: string };

export async function findOwnedConsent(
  em: EntityManager,
  userId: string,
  consentId: string,
  options: { forUpdate?: boolean } = {},
): Promise<OwnedConsent> {
  const row = await sql(em).one<OwnedConsent>(
    `select us.id, us.user_id, us.status, k.kind as skill_kind
       from user_skills us join skills k on k.id = us.skill_id
      where us.id = ? and us.user_id = ?${options.forUpdate ? ' for update of us' : ''}`,
    [consentId, userId],
  );
  if (!row) throw notFound('Consent');
  return row;
}
