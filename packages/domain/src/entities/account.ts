import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty, updatedAtProperty } from './common';
import { User } from './user';
import { UserSkill } from './user-skill';

/** Cached Finqware account (POST /v1/accounts/get). */
export const Account = defineEntity({
  name: 'Account',
  tableName: 'accounts',
  properties: {
    id: idProperty(),
    userSkill: p.manyToOne(UserSkill).ref().deleteRule('cascade'),
    /** Denormalised owner, so every read can be scoped to the caller without a join. */
    user: p.manyToOne(User).ref().deleteRule('cascade'),
    finqwareAccountId: p.text(),
    servicerName: p.text(),
    iban: p.text().nullable(),
    bic: p.text().nullable(),
    currency: p.text(),
    name: p.text().nullable(),
    nickname: p.text().nullable(),
    accountType: p.text().nullable(),
    accountSubType: p.text().nullable(),
    /** Finqware's `timestamp` of the record. */
    finqwareTimestamp: p.datetime().nullable(),
    /** The payload as received: the API can grow fields we do not map yet. */
    raw: p.json<Record<string, unknown>>(),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  uniques: [
    {
      name: 'accounts_user_skill_id_finqware_account_id_unique',
      properties: ['userSkill', 'finqwareAccountId'],
    },
  ],
  indexes: [{ name: 'accounts_user_id_index', properties: ['user'] }],
});
export type Account = InferEntity<typeof Account>;
