import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty, updatedAtProperty } from './common';
import { User } from './user';

/** A bearer token of our own API; only its SHA-256 is stored. */
export const AuthToken = defineEntity({
  name: 'AuthToken',
  tableName: 'auth_tokens',
  properties: {
    id: idProperty(),
    user: p.manyToOne(User).ref().deleteRule('cascade'),
    /** sha-256 hex of the bearer token. */
    tokenHash: p.text().unique('auth_tokens_token_hash_unique'),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  indexes: [{ name: 'auth_tokens_user_id_index', properties: ['user'] }],
});
export type AuthToken = InferEntity<typeof AuthToken>;
