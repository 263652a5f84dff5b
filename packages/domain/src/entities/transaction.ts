import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Account } from './account';
import { createdAtProperty, idProperty, moneyProperty, updatedAtProperty } from './common';
import { CREDIT_DEBIT_INDICATORS, TRANSACTION_STATUSES } from './enums';
import { User } from './user';

/** Cached Finqware transaction (POST /v1/transactions/get); utx_id is the natural key per account. */
export const Transaction = defineEntity({
  name: 'Transaction',
  tableName: 'transactions',
  properties: {
    id: idProperty(),
    account: p.manyToOne(Account).ref().deleteRule('cascade'),
    /** Denormalised owner, for caller-scoped reads without a join. */
    user: p.manyToOne(User).ref().deleteRule('cascade'),
    /** Finqware's cross-consent transaction id: "always use this id to decide whether to update or insert". */
    utxId: p.text(),
    /** Finqware's per-consent transaction id. */
    finqwareId: p.text(),
    status: p.enum([...TRANSACTION_STATUSES]),
    /** Signed: negative when credit_debit_indicator is debit. */
    amount: moneyProperty(),
    creditDebitIndicator: p.enum([...CREDIT_DEBIT_INDICATORS]),
    currency: p.text(),
    bookingDate: p.datetime(),
    /** Running balance after the transaction (Finqware `balance`), signed like amount. */
    balanceAfter: moneyProperty().nullable(),
    /** Finqware `info`. */
    description: p.text().nullable(),
    counterparty: p.text().nullable(),
    category: p.text().nullable(),
    /** Finqware `timestamp`: insert time in Finqware, the incremental-sync cursor. */
    finqwareTimestamp: p.datetime().nullable(),
    raw: p.json<Record<string, unknown>>(),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  uniques: [{ name: 'transactions_account_id_utx_id_unique', properties: ['account', 'utxId'] }],
  indexes: [
    {
      // Keyset pagination of one account's history, newest first, id as tie-breaker.
      name: 'transactions_account_id_booking_date_id_index',
      expression:
        'create index "transactions_account_id_booking_date_id_index" on "transactions" ("account_id", "booking_date" desc, "id" desc)',
    },
    {
      name: 'transactions_user_id_booking_date_id_index',
      expression:
        'create index "transactions_user_id_booking_date_id_index" on "transactions" ("user_id", "booking_date" desc, "id" desc)',
    },
  ],
});
export type Transaction = InferEntity<typeof Transaction>;
