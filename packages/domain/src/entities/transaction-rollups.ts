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
 * Counterparty flows: the credits' and the debits' counts and sums per counterparty and UTC
 * month — a month, not a day, because counterparties are many: per day there would be nearly a
 * row per transaction, per month a year of a busy account is a few hundred rows.
 * The sync engine keeps them in the same statement that writes or deletes the rows they summarise
 * (sync-engine/src/writers/transactions.ts); purges delete accounts, and the rollups go with them
 * (ON DELETE CASCADE). Pending transactions are left out: they may still vanish or change.
 *
 * A row whose transactions all went away stays with counts of 0 and totals of 0 (readers skip
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

/**
 * Per counterparty and month (transactions without a counterparty are not counted here), with
 * both directions in one row: counterparties are many, and a year of them is what the top
 * counterparties read, so a row per direction would be twice the rows to read and group.
 */
export const CounterpartyMonthlyFlow = defineEntity({
  name: 'CounterpartyMonthlyFlow',
  tableName: 'counterparty_monthly_flows',
  properties: {
    ...owner,
    /** The first day of the UTC calendar month of the transactions' booking_date. */
    month: p.date().primary(),
    counterparty: p.text().primary(),
    currency: p.text().primary(),
    creditCount: p.integer(),
    /** Sum of the credits (amount ≥ 0). */
    creditTotal: moneyProperty().precision(28),
    debitCount: p.integer(),
    /** Signed sum of the debits: ≤ 0. */
    debitTotal: moneyProperty().precision(28),
  },
  indexes: [
    {
      // A user's months in a period: the top counterparties' only read.
      name: 'counterparty_monthly_flows_user_id_month_index',
      properties: ['user', 'month'],
    },
  ],
});
export type CounterpartyMonthlyFlow = InferEntity<typeof CounterpartyMonthlyFlow>;

/**
 * The counterparty rollup as the release before counterparty_monthly_flows kept it, a row per
 * direction. Nothing here reads or writes it: it stays one release so that the previous
 * release's processes keep working while the migrate job runs and the new ones roll out, and a
 * trigger adds what they still write to counterparty_monthly_flows
 * (migrations/Migration20261201150000.ts). The next release's migration drops both.
 */
export const CounterpartyMonthlyTotal = defineEntity({
  name: 'CounterpartyMonthlyTotal',
  tableName: 'counterparty_monthly_totals',
  properties: {
    ...owner,
    month: p.date().primary(),
    counterparty: p.text().primary(),
    ...totals,
  },
  indexes: [{ name: 'counterparty_monthly_totals_user_id_month_index', properties: ['user', 'month'] }],
  triggers: [
    {
      // A row's change, split by its direction and added to the flows row of its key. Inserts and
      // updates only: writers never delete a rollup row, and an account's deletion cascades to both.
      name: 'to_flows',
      timing: 'after',
      events: ['insert', 'update'],
      forEach: 'row',
      body: `
        insert into counterparty_monthly_flows as f
               (account_id, user_id, month, counterparty, currency, credit_count, credit_total, debit_count, debit_total)
        select new.account_id, new.user_id, new.month, new.counterparty, new.currency,
               case when d.credit then d.n else 0 end, case when d.credit then d.amount else 0 end,
               case when d.credit then 0 else d.n end, case when d.credit then 0 else d.amount end
          from (select new.direction = 'credit' as credit,
                       new.count - case when tg_op = 'UPDATE' then old.count else 0 end as n,
                       new.total - case when tg_op = 'UPDATE' then old.total else 0 end as amount) d
        on conflict (account_id, month, counterparty, currency) do update
           set credit_count = f.credit_count + excluded.credit_count,
               credit_total = f.credit_total + excluded.credit_total,
               debit_count = f.debit_count + excluded.debit_count,
               debit_total = f.debit_total + excluded.debit_total;
        return null;`,
    },
  ],
});
export type CounterpartyMonthlyTotal = InferEntity<typeof CounterpartyMonthlyTotal>;
