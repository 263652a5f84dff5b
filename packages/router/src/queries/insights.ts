import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db';

/**
 * Aggregates computed in PostgreSQL over booked transactions (pending ones may still vanish).
 * Sums stay numeric and come back as decimal strings. Periods are UTC calendar buckets
 * (`date_trunc`: months start on the 1st, weeks on Monday).
 */

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
  range: { from: Date; to: Date; interval: 'month' | 'week' },
): Promise<CashflowBucket[]> {
  const rows = await sql(em).all<{
    period: Date;
    currency: string;
    inflow: string;
    outflow: string;
    net: string;
    count: string;
  }>(
    `select (date_trunc(?, t.booking_date at time zone 'UTC') at time zone 'UTC') as period, t.currency,
            coalesce(sum(t.amount) filter (where t.amount > 0), 0)::text as inflow,
            coalesce(-sum(t.amount) filter (where t.amount < 0), 0)::text as outflow,
            sum(t.amount)::text as net,
            count(*) as count
       from transactions t
      where t.user_id = ? and t.status = 'booked' and t.booking_date >= ? and t.booking_date < ?
      group by 1, 2
      order by 1, 2`,
    [range.interval, userId, range.from, range.to],
  );
  return rows.map((row) => ({ ...row, count: Number(row.count) }));
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
  range: { from: Date; to: Date; limit: number },
): Promise<CounterpartyTotal[]> {
  const rows = await sql(em).all<CounterpartyTotal & { count: string }>(
    `select t.counterparty, t.currency, count(*) as count,
            coalesce(sum(t.amount) filter (where t.amount > 0), 0)::text as inflow,
            coalesce(-sum(t.amount) filter (where t.amount < 0), 0)::text as outflow,
            sum(t.amount)::text as net
       from transactions t
      where t.user_id = ? and t.status = 'booked' and t.booking_date >= ? and t.booking_date < ?
        and t.counterparty is not null and t.counterparty <> ''
      group by t.counterparty, t.currency
      order by sum(abs(t.amount)) desc, t.counterparty, t.currency
      limit ?`,
    [userId, range.from, range.to, range.limit],
  );
  return rows.map((row) => ({ ...row, count: Number(row.count) }));
}
