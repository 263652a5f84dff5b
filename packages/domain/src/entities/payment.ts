import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Account } from './account';
import { createdAtProperty, idProperty, moneyProperty, updatedAtProperty } from './common';
import { PAYMENT_STATUSES } from './enums';
import { Session } from './session';
import { Skill } from './skill';
import { User } from './user';

/**
 * A payment a user initiated through a PIS skill. One row per (user, idempotency key): the unique
 * constraint, not a check in memory, is what makes a retried initiation return the same payment.
 * The row commits before Finqware is called; `initiationAttempt` and `initiationLeaseUntil` fence
 * the one request that may create its Finqware session at a time (see the router's payments module).
 * The `*Enc` columns hold the payment consent's pair through the vault (services/payment-secrets.ts).
 */
export const Payment = defineEntity({
  name: 'Payment',
  tableName: 'payments',
  properties: {
    id: idProperty(),
    user: p.manyToOne(User).ref().deleteRule('cascade'),
    skill: p.manyToOne(Skill).ref().deleteRule('restrict'),
    /** The Finqware session that carries the payment_intent, once created (its redirect step is the bank page). */
    session: p.manyToOne(Session).ref().nullable().deleteRule('set null'),
    /** The caller's key: the same key from the same user is the same payment. */
    idempotencyKey: p.text(),
    /** sha-256 of the canonical request: the same key with a different body is a conflict. */
    requestHash: p.text(),
    /** One of the user's synced accounts, when the payment was made from it. */
    debtorAccount: p.manyToOne(Account).ref().nullable().deleteRule('set null'),
    debtorIban: p.text(),
    creditorName: p.text(),
    creditorIban: p.text(),
    /** Positive, exact, at most the currency's minor units. */
    amount: moneyProperty(),
    currency: p.text(),
    remittance: p.text().nullable(),
    executionDate: p.date().nullable(),
    status: p.enum(PAYMENT_STATUSES).default('PENDING'),
    /** Why it is REJECTED or FAILED: the bank's reason code, or ours (`denied_at_bank`, `not_authorised`, …). */
    statusReason: p.text().nullable(),
    /** The bank's last status code (pain.002-like, e.g. ACSP), as Finqware reported it. */
    bankStatus: p.text().nullable(),
    finqwarePaymentId: p.text().nullable(),
    credentialsIdEnc: p.text().nullable().hidden(),
    accessTokenEnc: p.text().nullable().hidden(),
    vaultKeyId: p.text().nullable(),
    /** Bumped by each request that takes the lease to create the Finqware session (the fence). */
    initiationAttempt: p.integer().default(0),
    initiationLeaseUntil: p.datetime().nullable(),
    authorisedAt: p.datetime().nullable(),
    /** When it reached SETTLED, REJECTED or FAILED. */
    finishedAt: p.datetime().nullable(),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  uniques: [{ name: 'payments_user_id_idempotency_key_unique', properties: ['user', 'idempotencyKey'] }],
  indexes: [
    {
      // payments.list: a user's payments newest first, keyset on (created_at, id).
      name: 'payments_user_id_created_at_id_index',
      expression:
        'create index "payments_user_id_created_at_id_index" on "payments" ("user_id", "created_at" desc, "id" desc)',
    },
    { name: 'payments_skill_id_index', properties: ['skill'] },
    { name: 'payments_session_id_index', properties: ['session'] },
    { name: 'payments_debtor_account_id_index', properties: ['debtorAccount'] },
  ],
  checks: [
    { name: 'payments_amount_check', expression: 'amount > 0' },
    { name: 'payments_currency_check', expression: "currency ~ '^[A-Z]{3}$'" },
  ],
});
export type Payment = InferEntity<typeof Payment>;
