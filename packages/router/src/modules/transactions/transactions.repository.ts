import type { EntityManager } from '@mikro-orm/postgresql';
import { type Placeholders, preparedQuery } from '@tenant/domain';
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

type PageValues = {
  userId: string;
  accountId?: string;
  from?: Date;
  to?: Date;
  status?: 'booked' | 'pending';
  searchPattern?: string;
  minAmount?: string;
  maxAmount?: string;
  afterBookingDate?: string;
  afterId?: string;
  limit: number;
};

/** One statement per combination of filters, compiled once (the list is the hottest request). */
const page = preparedQuery((kysely, p: Placeholders<PageValues>) => {
  let query = kysely
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
    .where('t.user_id', '=', p.userId);
  if (p.accountId) query = query.where('t.account_id', '=', p.accountId);
  if (p.from) query = query.where('t.booking_date', '>=', p.from);
  if (p.to) query = query.where('t.booking_date', '<', p.to);
  if (p.status) query = query.where('t.status', '=', p.status);
  const pattern = p.searchPattern;
  if (pattern) {
    query = query.where((eb) =>
      eb.or([eb('t.description', 'ilike', pattern), eb('t.counterparty', 'ilike', pattern)]),
    );
  }
  if (p.minAmount) query = query.where('t.amount', '>=', p.minAmount);
  if (p.maxAmount) query = query.where('t.amount', '<=', p.maxAmount);
  const { afterBookingDate, afterId } = p;
  if (afterBookingDate && afterId) {
    query = query.where((eb) =>
      eb(
        eb.refTuple('t.booking_date', 't.id'),
        '<',
        eb.tuple(sql<Date>`${afterBookingDate}::timestamptz`, sql<string>`${afterId}::uuid`),
      ),
    );
  }
  return query.orderBy('t.booking_date', 'desc').orderBy('t.id', 'desc').limit(p.limit);
});

/**
 * Up to `limit` of the user's transactions, newest booking date first, id breaking ties.
 * `(booking_date, id) < (after)` walks the (user_id|account_id, booking_date desc, id desc)
 * index, so a page costs the same at any depth and rows arriving meanwhile never shift the walk.
 * Rows come in an item's shape, except the booking date: PostgreSQL's exact instant in
 * microseconds since the epoch (int8 text), which the cursor needs and a Date cannot hold.
 * Callers check that `accountId`, if given, is the user's.
 */
export async function transactionsPage(em: EntityManager, userId: string, filter: TransactionFilter) {
  return page(em, {
    userId,
    accountId: filter.accountId || undefined,
    from: filter.from,
    to: filter.to,
    status: filter.status,
    searchPattern: filter.search ? likePattern(filter.search) : undefined,
    minAmount: filter.minAmount || undefined,
    maxAmount: filter.maxAmount || undefined,
    afterBookingDate: filter.after?.bookingDate,
    afterId: filter.after?.id,
    limit: filter.limit,
  });
}
