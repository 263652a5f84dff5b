import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { type Expression, type ExpressionBuilder, sql } from 'kysely';

/**
 * Aggregates of a user's booked transactions (pending ones may still vanish), read from the
 * rollups the sync engine keeps (domain entities/transaction-rollups.ts): a year is a few rows per
 * account and day (cash flow) or per account, month and counterparty (top counterparties), not
 * every transaction. Sums stay numeric and come back as decimal strings. Periods are UTC calendar
 * buckets (`date_trunc`: months start on the 1st, weeks on Monday).
 *
 * A range is any two instants. The whole UTC days (months, for counterparties) inside it come
 * from the rollups; what it cuts off a day (month) at either end — nothing when it runs from
 * midnight to midnight (from the 1st to the 1st), as the app's do — comes from the transactions
 * themselves, so every answer equals the aggregate over the raw rows.
 */

type Range = { from: Date; to: Date };

const DAY_MS = 86_400_000;

type Whole = { first: string; end: string; firstAt: Date; endAt: Date };
const isoDay = (at: Date) => at.toISOString().slice(0, 10);

/** The whole UTC days of a range: [first, end) as YYYY-MM-DD (first ≥ end when it holds none). */
function wholeDays({ from, to }: Range): Whole {
  const firstAt = new Date(Math.ceil(from.getTime() / DAY_MS) * DAY_MS);
  const endAt = new Date(Math.floor(to.getTime() / DAY_MS) * DAY_MS);
  return { first: isoDay(firstAt), end: isoDay(endAt), firstAt, endAt };
}

/** The whole UTC months of a range, as their first days (first ≥ end when it holds none). */
function wholeMonths({ from, to }: Range): Whole {
  const monthOf = (at: Date) => Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
  const start = monthOf(from);
  const firstAt = new Date(
    start === from.getTime() ? start : Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1),
  );
  const endAt = new Date(monthOf(to));
  return { first: isoDay(firstAt), end: isoDay(endAt), firstAt, endAt };
}

/** Which rollup a booked amount counts in: what the insights call inflow (≥ 0) and outflow (< 0). */
const direction = (amount: Expression<string>) =>
  sql<'credit' | 'debit'>`case when ${amount} < 0 then 'debit' else 'credit' end`;

export type CashflowBucket = {
  period: Date;
  currency: string;
  inflow: string;
  outflow: string;
  net: string;
  count: number;
};

export async function cashflow(
  em: EntityManager,
  userId: string,
  range: Range & { interval: 'month' | 'week' },
): Promise<CashflowBucket[]> {
  const days = wholeDays(range);
  const k = db(em);
  const rolledUp = k
    .selectFrom('transaction_daily_totals as d')
    .select((eb) => [
      sql<Date>`date_trunc(${range.interval}, ${eb.ref('d.day')}::timestamp)`.as('period'),
      'd.currency',
      'd.direction',
      'd.count',
      'd.total',
    ])
    .where('d.user_id', '=', userId)
    .where('d.day', '>=', days.first)
    .where('d.day', '<', days.end)
    .where('d.count', '>', 0);
  const cutDays = k
    .selectFrom('transactions as t')
    .select((eb) => [
      sql<Date>`date_trunc(${range.interval}, ${eb.ref('t.booking_date')} at time zone 'UTC')`.as('period'),
      't.currency',
      direction(eb.ref('t.amount')).as('direction'),
      sql<number>`1`.as('count'),
      't.amount as total',
    ])
    .where('t.user_id', '=', userId)
    .where('t.status', '=', 'booked')
    .where('t.booking_date', '>=', range.from)
    .where('t.booking_date', '<', range.to)
    .where((eb) => eb.or([eb('t.booking_date', '<', days.firstAt), eb('t.booking_date', '>=', days.endAt)]));

  const rows = await k
    .selectFrom(rolledUp.unionAll(cutDays).as('x'))
    .select((eb) => [
      sql<Date>`${eb.ref('x.period')} at time zone 'UTC'`.as('period'),
      'x.currency',
      ...sums(eb),
      sql<number>`sum(${eb.ref('x.count')})::int`.as('count'),
    ])
    .groupBy(['x.period', 'x.currency'])
    .orderBy('x.period')
    .orderBy('x.currency')
    .execute();
  return rows;
}

/**
 * Inflow, outflow and net of rollup-shaped rows `x` (direction, total). A credit row totals ≥ 0
 * and a debit row < 0, so filtering on the sign gives exactly the raw rows' `amount > 0` and
 * `amount < 0` sums, '0' when none.
 */
function sums(eb: ExpressionBuilder<{ x: { direction: 'credit' | 'debit'; total: string } }, 'x'>) {
  const total = eb.ref('x.total');
  return [
    sql<string>`coalesce(sum(${total}) filter (where ${total} > 0), 0)::text`.as('inflow'),
    sql<string>`coalesce(-sum(${total}) filter (where ${total} < 0), 0)::text`.as('outflow'),
    sql<string>`sum(${total})::text`.as('net'),
  ] as const;
}

export type CounterpartyTotal = {
  counterparty: string;
  currency: string;
  count: number;
  inflow: string;
  outflow: string;
  net: string;
};

/** Ranked by money moved (inflow + outflow), per currency: amounts in different currencies never add up. */
export async function topCounterparties(
  em: EntityManager,
  userId: string,
  range: Range & { limit: number },
): Promise<CounterpartyTotal[]> {
  const months = wholeMonths(range);
  const k = db(em);
  const rolledUp = k
    .selectFrom('counterparty_monthly_totals as d')
    .select(['d.counterparty', 'd.currency', 'd.direction', 'd.count', 'd.total'])
    .where('d.user_id', '=', userId)
    .where('d.month', '>=', months.first)
    .where('d.month', '<', months.end)
    .where('d.count', '>', 0);
  const cutDays = k
    .selectFrom('transactions as t')
    .select((eb) => [
      sql<string>`${eb.ref('t.counterparty')}`.as('counterparty'),
      't.currency',
      direction(eb.ref('t.amount')).as('direction'),
      sql<number>`1`.as('count'),
      't.amount as total',
    ])
    .where('t.user_id', '=', userId)
    .where('t.status', '=', 'booked')
    .where('t.counterparty', '<>', '')
    .where('t.booking_date', '>=', range.from)
    .where('t.booking_date', '<', range.to)
    .where((eb) =>
      eb.or([eb('t.booking_date', '<', months.firstAt), eb('t.booking_date', '>=', months.endAt)]),
    );

  return k
    .selectFrom(rolledUp.unionAll(cutDays).as('x'))
    .select((eb) => [
      'x.counterparty',
      'x.currency',
      sql<number>`sum(${eb.ref('x.count')})::int`.as('count'),
      ...sums(eb),
    ])
    .groupBy(['x.counterparty', 'x.currency'])
    .orderBy(sql`sum(abs(${sql.ref('x.total')}))`, 'desc')
    .orderBy('x.counterparty')
    .orderBy('x.currency')
    .limit(range.limit)
    .execute();
}
