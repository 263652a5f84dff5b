import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { sql } from 'kysely';

export type TransactionFilter = {
  accountId?: string;
  from?: Date;
  to?: Date;
  status?: 'booked' | 'pending';
  search?: string;
  minAmount?: string;
  maxAmount?: string;
  /** The keyset position to continue after: an ISO instant to the microsecond, and an id. */
  after?: { bookingDate: string; id: string };
  limit: number;
};

/** `%` and `_` in a search are literal characters, not wildcards (`\` is LIKE's escape character). */
export function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Up to `limit` of the user's transactions, newest booking date first, id breaking ties.
 * `(booking_date, id) < (after)` walks the (user_id|account_id, booking_date desc, id desc)
 * index, so a page costs the same at any depth and rows arriving meanwhile never shift the walk.
 * Rows come in an item's shape, except the booking date: PostgreSQL's exact instant in
 * microseconds since the epoch (int8 text), which the cursor needs and a Date cannot hold.
 * Callers check that `accountId`, if given, is the user's.
 */
export async function transactionsPage(em: EntityManager, userId: string, filter: TransactionFilter) {
  let query = db(em)
    .selectFrom('transactions as t')
    .select([
      't.id',
      't.account_id as accountId',
      't.status',
      't.amount',
      't.credit_debit_indicator as creditDebitIndicator',
      't.currency',
      sql<string>`(extract(epoch from t.booking_date) * 1000000)::int8`.as('bookingDate'),
      't.balance_after as balanceAfter',
      't.description',
      't.counterparty',
      't.category',
    ])
    .where('t.user_id', '=', userId);
  if (filter.accountId) query = query.where('t.account_id', '=', filter.accountId);
  if (filter.from) query = query.where('t.booking_date', '>=', filter.from);
  if (filter.to) query = query.where('t.booking_date', '<', filter.to);
  if (filter.status) query = query.where('t.status', '=', filter.status);
  if (filter.search) {
    const pattern = likePattern(filter.search);
    query = query.where((eb) =>
      eb.or([eb('t.description', 'ilike', pattern), eb('t.counterparty', 'ilike', pattern)]),
    );
  }
  if (filter.minAmount) query = query.where('t.amount', '>=', filter.minAmount);
  if (filter.maxAmount) query = query.where('t.amount', '<=', filter.maxAmount);
  const after = filter.after;
  if (after) {
    query = query.where((eb) =>
      eb(
        eb.refTuple('t.booking_date', 't.id'),
        '<',
        eb.tuple(sql<Date>`${after.bookingDate}::timestamptz`, sql<string>`${after.id}::uuid`),
      ),
    );
  }
  return query.orderBy('t.booking_date', 'desc').orderBy('t.id', 'desc').limit(filter.limit).execute();
}
