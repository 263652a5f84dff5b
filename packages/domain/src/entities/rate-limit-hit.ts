import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { idProperty } from './common';

/**
 * What a slot of a rate limit holds: an attempt that always counts (`attempt`), a password being
 * verified right now (`pending`: it counts while in flight, so parallel guesses cannot all pass),
 * or a password verified as wrong (`failure`).
 */
export const RATE_LIMIT_HIT_KINDS = ['attempt', 'pending', 'failure'] as const;
export type RateLimitHitKind = (typeof RATE_LIMIT_HIT_KINDS)[number];

/**
 * One slot taken in a rate limit's window (packages/router/src/services/rate-limit.ts). Rows live in
 * PostgreSQL so every api instance counts the same hits and a restart forgets none; a key's rows are
 * counted and a new one inserted under an advisory lock on the key.
 */
export const RateLimitHit = defineEntity({
  name: 'RateLimitHit',
  tableName: 'rate_limit_hits',
  properties: {
    id: idProperty(),
    /** What is limited and for whom, e.g. `login-failures:<e-mail>`, `register:<address>`. */
    key: p.text(),
    kind: p.enum(RATE_LIMIT_HIT_KINDS),
    at: p.datetime(),
    /** When the hit leaves its window (at + the window): counted until then, purged after. */
    expiresAt: p.datetime(),
  },
  indexes: [{ name: 'rate_limit_hits_key_expires_at_index', properties: ['key', 'expiresAt'] }],
});
export type RateLimitHit = InferEntity<typeof RateLimitHit>;
