import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Account } from './account';
import { createdAtProperty, idProperty, moneyProperty, updatedAtProperty } from './common';
import { CREDIT_DEBIT_INDICATORS } from './enums';

/** Cached Finqware balance (POST /v1/balances/get). */
export const Balance = defineEntity({
  name: 'Balance',
  tableName: 'balances',
  properties: {
    id: idProperty(),
    account: p.manyToOne(Account).ref().deleteRule('cascade'),
    finqwareBalanceId: p.text(),
    /** Balance type (`Expected`, `ClosingBooked`, …): an open set, so no check constraint. */
    type: p.text(),
    /** Signed: negative when credit_debit_indicator is debit. */
    amount: moneyProperty(),
    creditDebitIndicator: p.enum([...CREDIT_DEBIT_INDICATORS]),
    currency: p.text(),
    /** native_date or native_timestamp, whichever the bank gave. */
    referenceDate: p.datetime().nullable(),
    finqwareTimestamp: p.datetime().nullable(),
    raw: p.json<Record<string, unknown>>(),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  uniques: [
    { name: 'balances_account_id_finqware_balance_id_unique', properties: ['account', 'finqwareBalanceId'] },
  ],
  indexes: [
    {
      name: 'balances_account_id_type_finqware_timestamp_index',
      expression:
        'create index "balances_account_id_type_finqware_timestamp_index" on "balances" ("account_id", "type", "finqware_timestamp" desc)',
    },
  ],
});
export type Balance = InferEntity<typeof Balance>;
