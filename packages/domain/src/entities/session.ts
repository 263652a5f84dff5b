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
    finqwareSessionId: p.text().unique('sessions_finqware_session_id_unique'),
    status: p.enum([...SESSION_STATUSES]).default('IN_PROGRESS'),
    /** The nonce for the next step, vault-encrypted: use sealSessionNonce / openSessionNonce. */
    nonceEnc: p.text().nullable(),
    /** The consent this session produced, once completed. */
    userSkill: p.manyToOne(UserSkill).ref().nullable().deleteRule('set null'),
    expiresAt: p.datetime(),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  indexes: [
    { name: 'sessions_user_id_index', properties: ['user'] },
    { name: 'sessions_user_skill_id_index', properties: ['userSkill'] },
  ],
});
export type Session = InferEntity<typeof Session>;
