import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Account } from './account';
import { moneyProperty } from './common';
import { CREDIT_DEBIT_INDICATORS } from './enums';
import { User } from './user';

/**
 * Rollups of booked transactions, what the insights read instead of the transactions.
 *
 * Daily totals: one row per account, UTC day, currency and direction (credit: amount ≥ 0,
 * debit: amount < 0), holding how many booked transactions fall in it and their signed sum.
 * Monthly totals: the same per UTC month — what a cash flow by month reads (a year is 12 rows per
 * account, currency and direction instead of 365); weeks and the days a range cuts off a month
 * still come from the daily totals.
 * Counterparty totals: the same per counterparty and UTC month — a month, not a day, because
 * counterparties are many: per day there would be nearly a row per transaction, per month a
 * year of a busy account is a few hundred rows. The sync engine keeps
 * them in the same statement that writes or deletes the rows they summarise
 * (sync-engine/src/writers/transactions.ts); purges delete accounts, and the rollups go with them
 * (ON DELETE CASCADE). Pending transactions are left out: they may still vanish or change.
 *
 * A row whose transactions all went away stays with a count of 0 and a total of 0 (readers skip
 * it): deleting it would need a second statement per page.
 */
const owner = {
  account: p.manyToOne(Account).ref().primary().deleteRule('cascade'),
  /** Denormalised owner, for caller-scoped reads without a join. */
  user: p.manyToOne(User).ref().deleteRule('cascade'),
};

const totals = {
  currency: p.text().primary(),
  direction: p.enum([...CREDIT_DEBIT_INDICATORS]).primary(),
  count: p.integer(),
  /** Signed sum: negative for debits. */
  total: moneyProperty().precision(28),
};

export const TransactionDailyTotal = defineEntity({
  name: 'TransactionDailyTotal',
  tableName: 'transaction_daily_totals',
  properties: {
    ...owner,
    /** The UTC calendar day of the transactions' booking_date. */
    day: p.date().primary(),
    ...totals,
  },
  indexes: [
    {
      // A user's days in a period: the cash flow's only read.
      name: 'transaction_daily_totals_user_id_day_index',
      properties: ['user', 'day'],
    },
  ],
});
export type TransactionDailyTotal = InferEntity<typeof TransactionDailyTotal>;

export const TransactionMonthlyTotal = defineEntity({
  name: 'TransactionMonthlyTotal',
  tableName: 'transaction_monthly_totals',
  properties: {
    ...owner,
    /** The first day of the UTC calendar month of the transactions' booking_date. */
    month: p.date().primary(),
    ...totals,
  },
  indexes: [
    {
      // A user's months in a period: the monthly cash flow's read.
      name: 'transaction_monthly_totals_user_id_month_index',
      properties: ['user', 'month'],
    },
  ],
});
export type TransactionMonthlyTotal = InferEntity<typeof TransactionMonthlyTotal>;

/** Per counterparty and month (transactions without a counterparty are not counted here). */
export const CounterpartyMonthlyTotal = defineEntity({
  name: 'CounterpartyMonthlyTotal',
  tableName: 'counterparty_monthly_totals',
  properties: {
    ...owner,
    /** The first day of the UTC calendar month of the transactions' booking_date. */
    month: p.date().primary(),
    counterparty: p.text().primary(),
    ...totals,
  },
  indexes: [
    {
      // A user's months in a period: the top counterparties' only read.
      name: 'counterparty_monthly_totals_user_id_month_index',
      properties: ['user', 'month'],
    },
  ],
});
export type CounterpartyMonthlyTotal = InferEntity<typeof CounterpartyMonthlyTotal>;
