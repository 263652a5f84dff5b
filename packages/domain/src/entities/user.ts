import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty, updatedAtProperty } from './common';

/** An end user of our tenant app. */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: idProperty(),
    /** Always stored lower-cased (a check constraint holds the code to it). */
    email: p.text().unique('users_email_unique'),
    /** A password hash (scrypt/argon string), never the password. */
    passwordHash: p.text().hidden(),
    /** The opaque id we send to Finqware as tenant_user_id: never the email or our primary key. */
    tenantUserId: p.uuid().unique('users_tenant_user_id_unique'),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  checks: [{ name: 'users_email_lowercase_check', expression: 'email = lower(email)' }],
});
export type User = InferEntity<typeof User>;
