import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty, updatedAtProperty } from './common';
import { CONSENT_STATUSES, SYNC_OUTCOMES } from './enums';
import { Skill } from './skill';
import { User } from './user';

/** What the sync engine remembers between runs; its shape belongs to the sync engine. */
export type SyncCursor = Record<string, unknown>;

/**
 * A consent: the (credentials_id, access_token) pair Finqware gave us for one user and skill.
 * The `*Enc` columns are vault ciphertexts: read and write them only through src/services/consent-secrets.
 */
export const UserSkill = defineEntity({
  name: 'UserSkill',
  tableName: 'user_skills',
  properties: {
    id: idProperty(),
    user: p.manyToOne(User).ref().deleteRule('cascade'),
    skill: p.manyToOne(Skill).ref().deleteRule('restrict'),
    /** Keyed HMAC-SHA256 of credentials_id (hex): uniqueness and lookup without the plaintext. */
    credentialsIdHash: p.text().unique('user_skills_credentials_id_hash_unique'),
    credentialsIdEnc: p.text().hidden(),
    accessTokenEnc: p.text().hidden(),
    /** The vault key both secrets of this row are encrypted with (rotation finds stale rows by it). */
    vaultKeyId: p.text(),
    status: p.enum([...CONSENT_STATUSES]).default('ACTIVE'),
    consentExp: p.datetime().nullable(),
    maxDataRetention: p.datetime().nullable(),
    /** consent_exp is within SYNC_EXPIRY_WARNING_DAYS (set by the consent check). */
    expiresSoon: p.boolean().default(false),
    syncCursor: p
      .json<SyncCursor>()
      .defaultRaw(`'{}'::jsonb`)
      .onCreate(() => ({})),
    nextSyncAt: p.datetime().nullable(),
    lastSyncedAt: p.datetime().nullable(),
    lastSyncOutcome: p.enum([...SYNC_OUTCOMES]).nullable(),
    revokedAt: p.datetime().nullable(),
    /** When the user last asked for a sync that was enqueued: consents.refresh's cooldown counts from it. */
    manualSyncAt: p.datetime().nullable(),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  indexes: [
    { name: 'user_skills_skill_id_index', properties: ['skill'] },
    { name: 'user_skills_status_next_sync_at_index', properties: ['status', 'nextSyncAt'] },
    { name: 'user_skills_user_id_index', properties: ['user'] },
  ],
});
export type UserSkill = InferEntity<typeof UserSkill>;
