import type { EntityManager } from '@mikro-orm/postgresql';
import { db, rollupDirection } from '@tenant/domain';
import { type Expression, type ExpressionBuilder, sql } from 'kysely';
import { type Range, tile } from './insights.ranges';

/**
 * Aggregates of a user's booked transactions (pending ones may still vanish), read from the
 * rollups the sync engine keeps (domain entities/transaction-rollups.ts): a year by month is a row
 * per account, month, currency and direction (cash flow), or per account, month and counterparty
 * (top counterparties), not every transaction. Sums stay numeric and come back as decimal strings.
 * Periods are UTC calendar buckets (`date_trunc`: months start on the 1st, weeks on Monday).
 *
 * A range is any two instants, read from the coarsest rollups that tile it (insights.ranges.ts),
 * and what it cuts off a day (a month, for counterparties) from the transactions themselves, so
 * every answer equals the aggregate over the raw rows. A part the range does not have is left out
 * of the statement: the app's ranges run from the 1st to the 1st and read monthly rollups alone.
 */

/** `column` inside one of the spans (they never overlap). */
const within = <T>(column: Expression<T>, spans: { first: T; end: T }[]) =>
  sql<boolean>`(${sql.join(
    spans.map((s) => sql`${column} >= ${s.first} and ${column} < ${s.end}`),
    sql` or `,
  )})`;

/** The parts of a tiling that the range has (`null`: it has none), as one UNION ALL named `x`. */
function unionAll<Row>(parts: (Expression<Row> | null)[]) {
  const present = parts.filter((part) => part !== null);
  return sql<Row>`(${sql.join(present, sql` union all `)})`.as('x');
}

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
  const parts = tile(range, { months: range.interval === 'month', days: true });
  const k = db(em);
  const monthly =
    parts.months.length === 0
      ? null
      : k
          .selectFrom('transaction_monthly_totals as m')
          .select((eb) => [
            sql<Date>`${eb.ref('m.month')}::timestamp`.as('period'),
            'm.currency',
            'm.direction',
            'm.count',
            'm.total',
          ])
          .where('m.user_id', '=', userId)
          .where((eb) => within(eb.ref('m.month'), parts.months))
          .where('m.count', '>', 0);
  const daily =
    parts.days.length === 0
      ? null
      : k
          .selectFrom('transaction_daily_totals as d')
          .select((eb) => [
            sql<Date>`date_trunc(${range.interval}, ${eb.ref('d.day')}::timestamp)`.as('period'),
            'd.currency',
            'd.direction',
            'd.count',
            'd.total',
          ])
          .where('d.user_id', '=', userId)
          .where((eb) => within(eb.ref('d.day'), parts.days))
          .where('d.count', '>', 0);
  const cut =
    parts.cuts.length === 0
      ? null
      : k
          .selectFrom('transactions as t')
          .select((eb) => [
            sql<Date>`date_trunc(${range.interval}, ${eb.ref('t.booking_date')} at time zone 'UTC')`.as(
              'period',
            ),
            't.currency',
            rollupDirection(eb.ref('t.amount')).as('direction'),
            sql<number>`1`.as('count'),
            't.amount as total',
          ])
          .where('t.user_id', '=', userId)
          .where('t.status', '=', 'booked')
          .where((eb) => within(eb.ref('t.booking_date'), parts.cuts));

  return k
    .selectFrom(unionAll([monthly, daily, cut]))
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
}

/**
 * Inflow, outflow and net of rollup-shaped rows `x`. A credit row totals ≥ 0 and a debit row < 0,
 * so the direction splits exactly as the raw rows' `amount > 0` and `amount < 0` sums, '0' when
 * none. Net is inflow less outflow: two numeric sums per group, not three (PostgreSQL computes
 * an aggregate written twice once).
 */
function sums(eb: ExpressionBuilder<{ x: { direction: 'credit' | 'debit'; total: string } }, 'x'>) {
  const { credits, debits } = directionSums(eb);
  return [
    sql<string>`${credits}::text`.as('inflow'),
    sql<string>`(-${debits})::text`.as('outflow'),
    sql<string>`(${credits} + ${debits})::text`.as('net'),
  ] as const;
}

function directionSums(eb: ExpressionBuilder<{ x: { direction: 'credit' | 'debit'; total: string } }, 'x'>) {
  const total = eb.ref('x.total');
  const direction = eb.ref('x.direction');
  return {
    credits: sql<string>`coalesce(sum(${total}) filter (where ${direction} = 'credit'), 0)`,
    debits: sql<string>`coalesce(sum(${total}) filter (where ${direction} = 'debit'), 0)`,
  };
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
  const parts = tile(range, { months: true, days: false });
  const k = db(em);
  const monthly =
    parts.months.length === 0
      ? null
      : k
          .selectFrom('counterparty_monthly_totals as m')
          .select(['m.counterparty', 'm.currency', 'm.direction', 'm.count', 'm.total'])
          .where('m.user_id', '=', userId)
          .where((eb) => within(eb.ref('m.month'), parts.months))
          .where('m.count', '>', 0);
  const cut =
    parts.cuts.length === 0
      ? null
      : k
          .selectFrom('transactions as t')
          .select((eb) => [
            sql<string>`${eb.ref('t.counterparty')}`.as('counterparty'),
            't.currency',
            rollupDirection(eb.ref('t.amount')).as('direction'),
            sql<number>`1`.as('count'),
            't.amount as total',
          ])
          .where('t.user_id', '=', userId)
          .where('t.status', '=', 'booked')
          .where('t.counterparty', '<>', '')
          .where((eb) => within(eb.ref('t.booking_date'), parts.cuts));

  return k
    .selectFrom(unionAll([monthly, cut]))
    .select((eb) => [
      'x.counterparty',
      'x.currency',
      sql<number>`sum(${eb.ref('x.count')})::int`.as('count'),
      ...sums(eb),
    ])
    .groupBy(['x.counterparty', 'x.currency'])
    .orderBy((eb) => {
      const { credits, debits } = directionSums(eb);
      return sql`${credits} - ${debits}`;
    }, 'desc')
    .orderBy('x.counterparty')
    .orderBy('x.currency')
    .limit(range.limit)
    .execute();
}
