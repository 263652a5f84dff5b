import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty } from './common';

/**
 * One failed login. Throttling counts rows in a window, so it survives restarts and is shared
 * by every api instance.
 */
export const LoginFailure = defineEntity({
  name: 'LoginFailure',
  tableName: 'login_failures',
  properties: {
    id: idProperty(),
    /** Lower-cased email as typed (the account may not exist). */
    email: p.text(),
    /** Client IP address. */
    address: p.text(),
    createdAt: createdAtProperty(),
  },
  indexes: [
    { name: 'login_failures_email_created_at_index', properties: ['email', 'createdAt'] },
    { name: 'login_failures_address_created_at_index', properties: ['address', 'createdAt'] },
  ],
});
export type LoginFailure = InferEntity<typeof LoginFailure>;
