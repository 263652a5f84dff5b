import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty, updatedAtProperty } from './common';
import { SESSION_STATUSES } from './enums';
import { Skill } from './skill';
import { User } from './user';
import { UserSkill } from './user-skill';

/** Local mirror of a Finqware session (connect flow). */
export const Session = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    id: idProperty(),
    user: p.manyToOne(User).ref().deleteRule('cascade'),
    skill: p.manyToOne(Skill).ref().deleteRule('restrict'),
    /** Null only while connect.start waits for Finqware to create the session. */
    finqwareSessionId: p.text().nullable().unique('sessions_finqware_session_id_unique'),
    status: p.enum([...SESSION_STATUSES]).default('IN_PROGRESS'),
    /** The nonce for the next step, vault-encrypted: use sealSessionNonce / openSessionNonce. */
    nonceEnc: p.text().nullable(),
    /** The consent this session produced, once completed. */
    userSkill: p.manyToOne(UserSkill).ref().nullable().deleteRule('set null'),
    expiresAt: p.datetime(),
    /**
     * The bank's temp_token from GET /connect/callback, vault-encrypted, until the session's owner
     * takes it (connect.get, payments.get) to exchange it: the callback itself never exchanges.
     */
    returnTokenEnc: p.text().nullable(),
    /** When the bank last sent the PSU back with a token. */
    returnedAt: p.datetime().nullable(),
    /**
     * Busy until then: one call at a time talks to Finqware for this session (a submit, the
     * redirect step, the exchange of the bank's token), with no row lock held meanwhile.
     */
    leaseUntil: p.datetime().nullable(),
    /** Bumped by each lease taken: a holder's writes are fenced on the value it took. */
    leaseAttempt: p.integer().default(0),
    /** Bank credentials refused in this session; at CONNECT_MAX_CREDENTIAL_FAILURES it ends FAILED. */
    credentialFailures: p.integer().default(0),
    /** Why it ended FAILED, in our words (`access_denied`, `consent_not_attributed`, …). */
    failureReason: p.text().nullable(),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  indexes: [
    { name: 'sessions_user_id_index', properties: ['user'] },
    // connect.start counts a user's open sessions and the ones started in the last hour.
    { name: 'sessions_user_id_created_at_index', properties: ['user', 'createdAt'] },
    { name: 'sessions_user_skill_id_index', properties: ['userSkill'] },
  ],
});
export type Session = InferEntity<typeof Session>;
