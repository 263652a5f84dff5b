import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { notFound } from '../../errors';

/** A user's cached bank accounts, each with the newest balance of each type. */

/** The account, if it is this user's; NOT_FOUND otherwise, exactly as for an id that does not exist. */
export async function findOwnedAccount(em: EntityManager, userId: string, accountId: string) {
  const row = await db(em)
    .selectFrom('accounts')
    .select('id')
    .where('id', '=', accountId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) throw notFound('Account');
  return row;
}

/**
 * The user's accounts (of one consent, when given), each row joined with the newest balance of
 * one type (`distinct on`), so an account with three balance types is three rows, one without
 * balances is one row of nulls. Ordered by account, then balance type.
 */
export async function accountsWithLatestBalances(em: EntityManager, userId: string, consentId?: string) {
  let query = db(em)
    .selectFrom('accounts as a')
    .innerJoin('user_skills as us', 'us.id', 'a.user_skill_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('balances as b')
          .distinctOn('b.type')
          .select([
            'b.type',
            'b.amount',
            'b.credit_debit_indicator',
            'b.currency',
            'b.reference_date',
            'b.finqware_timestamp',
          ])
          .whereRef('b.account_id', '=', 'a.id')
          .orderBy('b.type')
          .orderBy('b.finqware_timestamp', (ob) => ob.desc().nullsLast())
          .orderBy('b.reference_date', (ob) => ob.desc().nullsLast())
          .orderBy('b.created_at', 'desc')
          .as('b'),
      (join) => join.onTrue(),
    )
    .select([
      'a.id',
      'a.user_skill_id',
      'us.status as consent_status',
      'a.servicer_name',
      'a.iban',
      'a.bic',
      'a.currency',
      'a.name',
      'a.nickname',
      'a.account_type',
      'a.account_sub_type',
      'b.type as balance_type',
      'b.amount as balance_amount',
      'b.credit_debit_indicator as balance_credit_debit_indicator',
      'b.currency as balance_currency',
      'b.reference_date as balance_reference_date',
      'b.finqware_timestamp as balance_finqware_timestamp',
    ])
    .where('a.user_id', '=', userId);
  if (consentId) query = query.where('a.user_skill_id', '=', consentId);
  return query
    .orderBy('a.servicer_name')
    .orderBy('a.name', (ob) => ob.asc().nullsLast())
    .orderBy('a.id')
    .orderBy('b.type')
    .execute();
}
