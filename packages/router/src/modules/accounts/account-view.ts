import type { EntityManager } from '@mikro-orm/postgresql';
import { accountsWithLatestBalances } from './accounts.repository';

/** What `accounts.list` answers: the procedure's contract with front-ends. */

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

export async function listAccounts(
  em: EntityManager,
  userId: string,
  consentId?: string,
): Promise<AccountView[]> {
  const accounts: AccountView[] = [];
  let current: AccountView | undefined;
  for (const row of await accountsWithLatestBalances(em, userId, consentId)) {
    if (current?.id !== row.id) {
      current = {
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
        balances: [],
      };
      accounts.push(current);
    }
    // An account without balances is one row whose balance columns are all null (the left join).
    if (
      row.balance_type !== null &&
      row.balance_amount !== null &&
      row.balance_credit_debit_indicator !== null &&
      row.balance_currency !== null
    ) {
      current.balances.push({
        type: row.balance_type,
        amount: row.balance_amount,
        creditDebitIndicator: row.balance_credit_debit_indicator,
        currency: row.balance_currency,
        referenceDate: row.balance_reference_date,
        timestamp: row.balance_finqware_timestamp,
      });
    }
  }
  return accounts;
}
