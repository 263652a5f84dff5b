import type { EntityManager } from '@mikro-orm/postgresql';
import { type Expression, sql } from 'kysely';
import { db } from './database';

/**
 * How the rollups bucket a booked transaction (entities/transaction-rollups.ts), for every
 * statement that writes or reads them beside the transactions (the sync engine's writers, the
 * insights' cut-off days, rebuildRollups): its UTC calendar day, the first day of that day's
 * month, and its direction, credit for an amount ≥ 0 and debit below.
 */
export const rollupDay = (at: Expression<Date>) => sql<string>`(${at} at time zone 'UTC')::date`;
export const rollupMonth = (day: Expression<string>) => sql<string>`date_trunc('month', ${day})::date`;
export const rollupDirection = (amount: Expression<string>) =>
  sql<'credit' | 'debit'>`case when ${amount} < 0 then 'debit' else 'credit' end`;

/**
 * Recomputes the rollups of the given accounts from their transactions
 * (entities/transaction-rollups.ts), in one transaction. The sync engine keeps the rollups as it
 * writes, so nothing in the running system needs this; it is for writers that bypass the engine
 * (test fixtures, data seeded by SQL) and for repairing an account by hand.
 */
export async function rebuildRollups(em: EntityManager, accountIds: readonly string[]): Promise<void> {
  if (accountIds.length === 0) return;
  const ids = [...accountIds];
  await em.transactional(async (tx) => {
    const k = db(tx);
    await k.deleteFrom('transaction_daily_totals').where('account_id', 'in', ids).execute();
    await k.deleteFrom('transaction_monthly_totals').where('account_id', 'in', ids).execute();
    await k.deleteFrom('counterparty_monthly_flows').where('account_id', 'in', ids).execute();
    await sql`
      insert into transaction_daily_totals (account_id, user_id, day, currency, direction, count, total)
      select t.account_id, t.user_id, ${rollupDay(sql.ref('t.booking_date'))}, t.currency,
             ${rollupDirection(sql.ref('t.amount'))}, count(*), sum(t.amount)
        from transactions t
       where t.status = 'booked' and t.account_id = any(${ids}::uuid[])
       group by 1, 2, 3, 4, 5`.execute(k);
    await sql`
      insert into transaction_monthly_totals (account_id, user_id, month, currency, direction, count, total)
      select d.account_id, d.user_id, ${rollupMonth(sql.ref('d.day'))}, d.currency, d.direction, sum(d.count), sum(d.total)
        from transaction_daily_totals d
       where d.account_id = any(${ids}::uuid[])
       group by 1, 2, 3, 4, 5`.execute(k);
    const credit = sql`${rollupDirection(sql.ref('t.amount'))} = 'credit'`;
    await sql`
      insert into counterparty_monthly_flows (account_id, user_id, month, counterparty, currency,
                                              credit_count, credit_total, debit_count, debit_total)
      select t.account_id, t.user_id, ${rollupMonth(rollupDay(sql.ref('t.booking_date')))}, t.counterparty, t.currency,
             count(*) filter (where ${credit}), coalesce(sum(t.amount) filter (where ${credit}), 0),
             count(*) filter (where not ${credit}), coalesce(sum(t.amount) filter (where not ${credit}), 0)
        from transactions t
       where t.status = 'booked' and t.counterparty <> '' and t.account_id = any(${ids}::uuid[])
       group by 1, 2, 3, 4, 5`.execute(k);
  });
}
