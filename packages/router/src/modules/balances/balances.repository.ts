import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { sql } from 'kysely';

/** The stored balances of an account (callers check that it is the user's). */

/** Every stored balance of the account, oldest first, optionally within [from, to); at most 5,000. */
export async function balanceHistory(
  em: EntityManager,
  accountId: string,
  range: { from?: Date; to?: Date },
) {
  // When a balance holds: the bank's reference date, else its timestamp, else when we stored it.
  const at = sql<Date>`coalesce(b.reference_date, b.finqware_timestamp, b.created_at)`;
  let query = db(em)
    .selectFrom('balances as b')
    .select([
      'b.id',
      'b.type',
      'b.amount',
      'b.credit_debit_indicator',
      'b.currency',
      'b.reference_date',
      'b.finqware_timestamp',
    ])
    .where('b.account_id', '=', accountId);
  if (range.from) query = query.where(at, '>=', range.from);
  if (range.to) query = query.where(at, '<', range.to);
  return query.orderBy(at).orderBy('b.type').orderBy('b.id').limit(5000).execute();
}
