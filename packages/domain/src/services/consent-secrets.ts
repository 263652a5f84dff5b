import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { ConsentStatus } from '../entities/enums';
import { Skill } from '../entities/skill';
import { User } from '../entities/user';
import { UserSkill } from '../entities/user-skill';
import { credentialsIdHashCandidates, hmacCredentialsId, secretAad, type Vault } from '../vault/vault';

/**
 * The only code that writes or reads the secret columns of user_skills and sessions.
 * Everything else handles UserSkill rows without ever seeing their secrets in the clear.
 */

export const USER_SKILL_SECRET_COLUMNS = ['credentials_id_enc', 'access_token_enc'] as const;

export interface ConsentSecrets {
  credentialsId: string;
  accessToken: string;
}

export interface StoreConsentInput {
  user: User | string;
  skill: Skill | string;
  credentialsId: string;
  accessToken: string;
  consentExp?: Date | string | null;
  maxDataRetention?: Date | string | null;
  status?: ConsentStatus;
  nextSyncAt?: Date | null;
}

const toDate = (value: Date | string | null | undefined): Date | null => {
  if (value === undefined || value === null) return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError('consent date is not a valid date-time');
  return date;
};

/** Seals both secrets of a consent for row `id` under the vault's current key. */
export function sealConsentSecrets(vault: Vault, id: string, secrets: ConsentSecrets) {
  return {
    credentialsIdHash: hmacCredentialsId(vault, secrets.credentialsId),
    credentialsIdEnc: vault.encrypt(
      secrets.credentialsId,
      secretAad('user_skills', id, 'credentials_id_enc'),
    ),
    accessTokenEnc: vault.encrypt(secrets.accessToken, secretAad('user_skills', id, 'access_token_enc')),
    vaultKeyId: vault.currentKeyId,
  };
}

/**
 * Creates the consent row for a token exchange result and flushes it (inside the caller's
 * transaction when called from `em.transactional`, so the first sync can be enqueued atomically).
 */
export async function storeConsent(
  em: EntityManager,
  vault: Vault,
  input: StoreConsentInput,
): Promise<UserSkill> {
  const id = randomUUID();
  const userSkill = em.create(UserSkill, {
    id,
    user: typeof input.user === 'string' ? em.getReference(User, input.user) : input.user,
    skill: typeof input.skill === 'string' ? em.getReference(Skill, input.skill) : input.skill,
    ...sealConsentSecrets(vault, id, input),
    status: input.status ?? 'ACTIVE',
    consentExp: toDate(input.consentExp),
    maxDataRetention: toDate(input.maxDataRetention),
    nextSyncAt: input.nextSyncAt ?? null,
  });
  await em.persist(userSkill).flush();
  return userSkill;
}

/** Decrypts a consent's pair for a Finqware call. @throws VaultError when a value does not authenticate. */
export function readConsentSecrets(
  vault: Vault,
  userSkill: Pick<UserSkill, 'id' | 'credentialsIdEnc' | 'accessTokenEnc'>,
): ConsentSecrets {
  return {
    credentialsId: vault.decrypt(
      userSkill.credentialsIdEnc,
      secretAad('user_skills', userSkill.id, 'credentials_id_enc'),
    ),
    accessToken: vault.decrypt(
      userSkill.accessTokenEnc,
      secretAad('user_skills', userSkill.id, 'access_token_enc'),
    ),
  };
}

/** The consent holding `credentialsId`, if any (by keyed hash, valid across a key rotation). */
export async function findConsentByCredentialsId(
  em: EntityManager,
  vault: Vault,
  credentialsId: string,
): Promise<UserSkill | null> {
  return em.findOne(UserSkill, {
    credentialsIdHash: { $in: credentialsIdHashCandidates(vault, credentialsId) },
  });
}

/** Ciphertext for sessions.nonce_enc of session `sessionId`. */
export function sealSessionNonce(vault: Vault, sessionId: string, nonce: string): string {
  return vault.encrypt(nonce, secretAad('sessions', sessionId, 'nonce_enc'));
}

/** The session's current nonce, or undefined when it has none. */
export function openSessionNonce(
  vault: Vault,
  session: { id: string; nonceEnc?: string | null | undefined },
): string | undefined {
  if (!session.nonceEnc) return undefined;
  return vault.decrypt(session.nonceEnc, secretAad('sessions', session.id, 'nonce_enc'));
}

/** Ciphertext for sessions.return_token_enc: the bank's temp_token, kept for the session's owner. */
export function sealSessionReturnToken(vault: Vault, sessionId: string, tempToken: string): string {
  return vault.encrypt(tempToken, secretAad('sessions', sessionId, 'return_token_enc'));
}

/** The temp_token the bank sent back for session `sessionId`. */
export function openSessionReturnToken(vault: Vault, sessionId: string, sealed: string): string {
  return vault.decrypt(sealed, secretAad('sessions', sessionId, 'return_token_enc'));
}
