import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db';

export type BalanceView = {
  type: string;
  /** Signed decimal string. */
  amount: string;
  creditDebitIndicator: 'credit' | 'debit';
  currency: string;
  referenceDate: Date | null;
  timestamp: Date | null;
};

export type AccountView = {
  id: string;
  consentId: string;
  consentStatus: string;
  servicerName: string;
  iban: string | null;
  bic: string | null;
  currency: string;
  name: string | null;
  nickname: string | null;
  accountType: string | null;
  accountSubType: string | null;
  /** The newest balance of each type. */
  balances: BalanceView[];
};

type JsonBalance = {
  type: string;
  amount: string;
  credit_debit_indicator: 'credit' | 'debit';
  currency: string;
  reference_date: string | null;
  finqware_timestamp: string | null;
};

const toDate = (value: string | null) => (value ? new Date(value) : null);

export async function listAccounts(
  em: EntityManager,
  userId: string,
  consentId?: string,
): Promise<AccountView[]> {
  const params: unknown[] = [userId];
  let consentFilter = '';
  if (consentId) {
    consentFilter = ' and a.user_skill_id = ?';
    params.push(consentId);
  }
  // Amounts are cast to text inside the JSON: a JSON number would round numeric(20,4).
  const rows = await sql(em).all<{
    id: string;
    user_skill_id: string;
    consent_status: string;
    servicer_name: string;
    iban: string | null;
    bic: string | null;
    currency: string;
    name: string | null;
    nickname: string | null;
    account_type: string | null;
    account_sub_type: string | null;
    balances: JsonBalance[];
  }>(
    `select a.id, a.user_skill_id, us.status as consent_status, a.servicer_name, a.iban, a.bic, a.currency, a.name,
            a.nickname, a.account_type, a.account_sub_type,
            coalesce((
              select json_agg(json_build_object(
                       'type', b.type, 'amount', b.amount::text, 'credit_debit_indicator', b.credit_debit_indicator,
                       'currency', b.currency, 'reference_date', b.reference_date,
                       'finqware_timestamp', b.finqware_timestamp) order by b.type)
                from (select distinct on (b.type) b.*
                        from balances b
                       where b.account_id = a.id
                       order by b.type, b.finqware_timestamp desc nulls last, b.reference_date desc nulls last,
                                b.created_at desc) b
            ), '[]'::json) as balances
       from accounts a join user_skills us on us.id = a.user_skill_id
      where a.user_id = ?${consentFilter}
      order by a.servicer_name, a.name nulls last, a.id`,
    params,
  );
  return rows.map((row) => ({
    id: row.id,
    consentId: row.user_skill_id,
    consentStatus: row.consent_status,
    servicerName: row.servicer_name,
    iban: row.iban,
    bic: row.bic,
    currency: row.currency,
    name: row.name,
    nickname: row.nickname,
    accountType: row.account_type,
    accountSubType: row.account_sub_type,
    balances: row.balances.map((b) => ({
      type: b.type,
      amount: b.amount,
      creditDebitIndicator: b.credit_debit_indicator,
      currency: b.currency,
      referenceDate: toDate(b.reference_date),
      timestamp: toDate(b.finqware_timestamp),
    })),
  }));
}

export type BalancePoint = BalanceView & { id: string };

/** Every stored balance of the account, oldest first, optionally within [from, to). */
export async function balanceHistory(
  em: EntityManager,
  accountId: string,
  range: { from?: Date; to?: Date },
): Promise<BalancePoint[]> {
  const at = 'coalesce(b.reference_date, b.finqware_timestamp, b.created_at)';
  const where = ['b.account_id = ?'];
  const params: unknown[] = [accountId];
  if (range.from) {
    where.push(`${at} >= ?`);
    params.push(range.from);
  }
  if (range.to) {
    where.push(`${at} < ?`);
    params.push(range.to);
  }
  const rows = await sql(em).all<{
    id: string;
    type: string;
    amount: string;
    credit_debit_indicator: 'credit' | 'debit';
    currency: string;
    reference_date: Date | null;
    finqware_timestamp: Date | null;
  }>(
    `select b.id, b.type, b.amount::text as amount, b.credit_debit_indicator, b.currency, b.reference_date,
            b.finqware_timestamp
       from balances b
      where ${where.join(' and ')}
      order by ${at}, b.type, b.id
      limit 5000`,
    params,
  );
  return rows.map((row) => ({
    id: row.id,
    type: row.type,
    amount: row.amount,
    creditDebitIndicator: row.credit_debit_indicator,
    currency: row.currency,
    referenceDate: row.reference_date,
    timestamp: row.finqware_timestamp,
  }));
}
