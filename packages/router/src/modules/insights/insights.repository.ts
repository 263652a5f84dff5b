import type { EntityManager } from '@mikro-orm/postgresql';
import { type Placeholders, preparedQuery, rollupDirection } from '@tenant/domain';
import { type Expression, type ExpressionBuilder, sql } from 'kysely';
import { monthsIn, type Range, type Tiling, tile } from './insights.ranges';

/**
 * Aggregates of a user's booked transactions (pending ones may still vanish), read from the
 * rollups the sync engine keeps (domain entities/transaction-rollups.ts): a year by month is a row
 * per account, month, currency and direction (cash flow), or per account, month, counterparty
 * and currency with both directions in it (top counterparties), not every transaction. Sums stay
 * numeric and come back as decimal strings.
 * Periods are UTC calendar buckets (`date_trunc`: months start on the 1st, weeks on Monday).
 *
 * A range is any two instants, read from the coarsest rollups that tile it (insights.ranges.ts),
 * and what it cuts off a day (a month, for counterparties) from the transactions themselves, so
 * every answer equals the aggregate over the raw rows. A part the range does not have is left out
 * of the statement: the app's ranges run from the 1st to the 1st and read monthly rollups alone.
 */

/**
 * A tiling as a prepared query's values: each span's bounds named by its part and place
 * (`days1End`), absent when the range has no such span. A tiling has at most one span of months,
 * two of days and two cuts (insights.ranges.ts), so the statements are a handful of shapes, each
 * compiled once (preparedQuery), whatever the range.
 */
type TilingValues = {
  months0First?: string;
  months0End?: string;
  days0First?: string;
  days0End?: string;
  days1First?: string;
  days1End?: string;
  cuts0First?: Date;
  cuts0End?: Date;
  cuts1First?: Date;
  cuts1End?: Date;
};

function tilingValues(tiling: Tiling): TilingValues {
  const values: Record<string, string | Date> = {};
  for (const part of ['months', 'days', 'cuts'] as const) {
    tiling[part].forEach((span, i) => {
      values[`${part}${i}First`] = span.first;
      values[`${part}${i}End`] = span.end;
    });
  }
  return values;
}

type SpanPart = { months: string; days: string; cuts: Date };

/** The spans of one part that a statement is built with (placeholders), none if the range has none. */
function spansOf<Part extends keyof SpanPart>(p: Placeholders<TilingValues>, part: Part) {
  const bounds = p as Record<string, SpanPart[Part] | undefined>;
  const spans: { first: SpanPart[Part]; end: SpanPart[Part] }[] = [];
  for (const i of [0, 1]) {
    const first = bounds[`${part}${i}First`];
    const end = bounds[`${part}${i}End`];
    if (first !== undefined && end !== undefined) spans.push({ first, end });
  }
  return spans;
}

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

type CashflowValues = TilingValues & { userId: string; interval: 'month' | 'week' };

const cashflowStatement = preparedQuery((k, p: Placeholders<CashflowValues>) => {
  const months = spansOf(p, 'months');
  const days = spansOf(p, 'days');
  const cuts = spansOf(p, 'cuts');
  const monthly =
    months.length === 0
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
          .where('m.user_id', '=', p.userId)
          .where((eb) => within(eb.ref('m.month'), months))
          .where('m.count', '>', 0);
  const daily =
    days.length === 0
      ? null
      : k
          .selectFrom('transaction_daily_totals as d')
          .select((eb) => [
            sql<Date>`date_trunc(${p.interval}, ${eb.ref('d.day')}::timestamp)`.as('period'),
            'd.currency',
            'd.direction',
            'd.count',
            'd.total',
          ])
          .where('d.user_id', '=', p.userId)
          .where((eb) => within(eb.ref('d.day'), days))
          .where('d.count', '>', 0);
  const cut =
    cuts.length === 0
      ? null
      : k
          .selectFrom('transactions as t')
          .select((eb) => [
            sql<Date>`date_trunc(${p.interval}, ${eb.ref('t.booking_date')} at time zone 'UTC')`.as('period'),
            't.currency',
            rollupDirection(eb.ref('t.amount')).as('direction'),
            sql<number>`1`.as('count'),
            't.amount as total',
          ])
          .where('t.user_id', '=', p.userId)
          .where('t.status', '=', 'booked')
          .where((eb) => within(eb.ref('t.booking_date'), cuts));

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
    .orderBy('x.currency');
});

export function cashflow(
  em: EntityManager,
  userId: string,
  range: Range & { interval: 'month' | 'week' },
): Promise<CashflowBucket[]> {
  const tiling = tile(range, { months: range.interval === 'month', days: true });
  return cashflowStatement(em, { userId, interval: range.interval, ...tilingValues(tiling) });
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

type TopCounterpartiesValues = Pick<TilingValues, 'cuts0First' | 'cuts0End' | 'cuts1First' | 'cuts1End'> & {
  userId: string;
  limit: number;
  /** The first days of the range's whole months, absent when it has none. */
  months?: string[];
};

/**
 * Prepared by name, with the range's months as one array value: its generic plan, made once per
 * connection, expects a user-year of rows and hashes them. Given the months as bounds it expected
 * ten rows and sorted them at nearly twice the cost; planned for each call instead, each call
 * allocated and freed a plan's memory, which glibc gave back to the kernel after every call on an
 * api connection (docs/performance.md, insights).
 */
const topCounterpartiesStatement = preparedQuery((k, p: Placeholders<TopCounterpartiesValues>) => {
  const cuts = spansOf(p, 'cuts');
  const monthly =
    p.months === undefined
      ? null
      : k
          .selectFrom('counterparty_monthly_flows as m')
          .select([
            'm.counterparty',
            'm.currency',
            'm.credit_count',
            'm.credit_total',
            'm.debit_count',
            'm.debit_total',
          ])
          .where('m.user_id', '=', p.userId)
          .where('m.month', '=', sql<string>`any(${p.months}::date[])`)
          .where((eb) => eb.or([eb('m.credit_count', '>', 0), eb('m.debit_count', '>', 0)]));
  const cut =
    cuts.length === 0
      ? null
      : k
          .selectFrom('transactions as t')
          .select((eb) => {
            const credit = sql<boolean>`${rollupDirection(eb.ref('t.amount'))} = 'credit'`;
            return [
              sql<string>`${eb.ref('t.counterparty')}`.as('counterparty'),
              't.currency',
              sql<number>`case when ${credit} then 1 else 0 end`.as('credit_count'),
              sql<string>`case when ${credit} then ${eb.ref('t.amount')} else 0 end`.as('credit_total'),
              sql<number>`case when ${credit} then 0 else 1 end`.as('debit_count'),
              sql<string>`case when ${credit} then 0 else ${eb.ref('t.amount')} end`.as('debit_total'),
            ];
          })
          .where('t.user_id', '=', p.userId)
          .where('t.status', '=', 'booked')
          .where('t.counterparty', '<>', '')
          .where((eb) => within(eb.ref('t.booking_date'), cuts));

  return k
    .selectFrom(unionAll([monthly, cut]))
    .select((eb) => {
      const credits = eb.fn.sum<string>('x.credit_total');
      const debits = eb.fn.sum<string>('x.debit_total');
      return [
        'x.counterparty',
        'x.currency',
        sql<number>`(sum(${eb.ref('x.credit_count')}) + sum(${eb.ref('x.debit_count')}))::int`.as('count'),
        sql<string>`${credits}::text`.as('inflow'),
        sql<string>`(-${debits})::text`.as('outflow'),
        sql<string>`(${credits} + ${debits})::text`.as('net'),
      ];
    })
    .groupBy(['x.counterparty', 'x.currency'])
    .orderBy((eb) => sql`${eb.fn.sum('x.credit_total')} - ${eb.fn.sum('x.debit_total')}`, 'desc')
    .orderBy('x.counterparty')
    .orderBy('x.currency')
    .limit(p.limit);
});

/** Ranked by money moved (inflow + outflow), per currency: amounts in different currencies never add up. */
export function topCounterparties(
  em: EntityManager,
  userId: string,
  range: Range & { limit: number },
): Promise<CounterpartyTotal[]> {
  const tiling = tile(range, { months: true, days: false });
  const [months] = tiling.months;
  return topCounterpartiesStatement(em, {
    userId,
    limit: range.limit,
    // The months go in as one array, not as the bounds tilingValues gives spans.
    months: months ? monthsIn(months) : undefined,
    ...tilingValues({ ...tiling, months: [] }),
  });
}
