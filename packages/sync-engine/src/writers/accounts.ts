import type { EntityManager } from '@mikro-orm/postgresql';
import { type Placeholders, preparedQuery } from '@tenant/domain';
import { sql } from 'kysely';
import { describeShape, SyncError } from '../errors';
import type { FqAccount, FqBalance } from '../finqware';

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Upserts a consent's accounts and their balance snapshots in ONE statement (a short sync's cost
 * is its round trips) and returns the local id of each account by Finqware account id. Every
 * account row is returned, changed or not, because transactions need the mapping. Balances of an
 * account the list does not hold are skipped and counted.
 */
export async function upsertAccountsAndBalances(
  em: EntityManager,
  consent: { id: string; userId: string },
  accounts: FqAccount[],
  balances: FqBalance[],
): Promise<{ accountIds: Map<string, string>; balancesSkipped: number }> {
  const accountIds = new Map<string, string>();
  const unique = [...new Map(accounts.map((a) => [a.id, a])).values()];
  const listed = new Set(unique.map((a) => a.id));
  const known = balances.filter((b) => listed.has(b.accountId));
  const balancesSkipped = balances.length - known.length;
  if (unique.length === 0) return { accountIds, balancesSkipped };
  for (const b of known) checkBalance(b);
  const account = <T>(f: (a: FqAccount) => T) => unique.map(f);
  const uniqueBalances = [...new Map(known.map((b) => [`${b.accountId}\u0000${b.id}`, b])).values()];
  const balance = <T>(f: (b: FqBalance) => T) => uniqueBalances.map(f);
  const rows = await accountsStatement(em, {
    consentId: consent.id,
    userId: consent.userId,
    accountIds: account((a) => a.id),
    servicerNames: account((a) => a.servicerName ?? ''),
    ibans: account((a) => a.iban || null),
    bics: account((a) => a.bic || null),
    currencies: account((a) => a.currency),
    names: account((a) => a.name || null),
    nicknames: account((a) => a.nickname || null),
    accountTypes: account((a) => a.accountType || null),
    accountSubTypes: account((a) => a.accountSubType || null),
    timestamps: account((a) => a.timestamp || null),
    raws: account((a) => JSON.stringify(a.raw ?? null)),
    balanceAccountIds: balance((b) => b.accountId),
    balanceIds: balance((b) => b.id),
    balanceTypes: balance((b) => b.type),
    balanceAmounts: balance((b) => b.amount),
    balanceIndicators: balance((b) => b.creditDebitIndicator),
    balanceCurrencies: balance((b) => b.currency),
    balanceReferenceDates: balance((b) => b.nativeTimestamp || b.nativeDate || null),
    balanceTimestamps: balance((b) => b.timestamp || null),
    balanceRaws: balance((b) => JSON.stringify(b.raw ?? null)),
  });
  for (const row of rows) accountIds.set(row.finqware_account_id, row.id);
  return { accountIds, balancesSkipped };
}

/** A consent's accounts and their balances, a PostgreSQL array per column (unnest makes the rows). */
type AccountsValues = {
  consentId: string;
  userId: string;
  accountIds: string[];
  servicerNames: string[];
  ibans: (string | null)[];
  bics: (string | null)[];
  currencies: string[];
  names: (string | null)[];
  nicknames: (string | null)[];
  accountTypes: (string | null)[];
  accountSubTypes: (string | null)[];
  timestamps: (string | null)[];
  raws: string[];
  balanceAccountIds: string[];
  balanceIds: string[];
  balanceTypes: string[];
  balanceAmounts: string[];
  balanceIndicators: string[];
  balanceCurrencies: string[];
  balanceReferenceDates: (string | null)[];
  balanceTimestamps: (string | null)[];
  balanceRaws: string[];
};

/** upsertAccountsAndBalances' statement, built and compiled once (preparedQuery): it runs once a sync. */
const accountsStatement = preparedQuery((k, p: Placeholders<AccountsValues>) =>
  k
    .with('upserted', (qc) =>
      qc
        .insertInto('accounts')
        .columns([
          'user_skill_id',
          'user_id',
          'finqware_account_id',
          'servicer_name',
          'iban',
          'bic',
          'currency',
          'name',
          'nickname',
          'account_type',
          'account_sub_type',
          'finqware_timestamp',
          'raw',
        ])
        .expression(
          sql`SELECT ${p.consentId}::uuid, ${p.userId}::uuid, r.*
            FROM unnest(${p.accountIds}::text[], ${p.servicerNames}::text[], ${p.ibans}::text[],
                        ${p.bics}::text[], ${p.currencies}::text[], ${p.names}::text[],
                        ${p.nicknames}::text[], ${p.accountTypes}::text[], ${p.accountSubTypes}::text[],
                        ${p.timestamps}::timestamptz[], ${p.raws}::jsonb[])
              AS r(finqware_account_id, servicer_name, iban, bic, currency, name, nickname, account_type,
                   account_sub_type, finqware_timestamp, raw)`,
        )
        .onConflict((oc) =>
          oc.columns(['user_skill_id', 'finqware_account_id']).doUpdateSet((eb) => ({
            servicer_name: eb.ref('excluded.servicer_name'),
            iban: eb.ref('excluded.iban'),
            bic: eb.ref('excluded.bic'),
            currency: eb.ref('excluded.currency'),
            name: eb.ref('excluded.name'),
            nickname: eb.ref('excluded.nickname'),
            account_type: eb.ref('excluded.account_type'),
            account_sub_type: eb.ref('excluded.account_sub_type'),
            finqware_timestamp: eb.ref('excluded.finqware_timestamp'),
            raw: eb.ref('excluded.raw'),
            updated_at: sql<Date>`now()`,
          })),
        )
        .returning(['id', 'finqware_account_id']),
    )
    .with('balances_written', (qc) =>
      qc
        .insertInto('balances')
        .columns([
          'account_id',
          'finqware_balance_id',
          'type',
          'amount',
          'credit_debit_indicator',
          'currency',
          'reference_date',
          'finqware_timestamp',
          'raw',
        ])
        .expression(
          // Signed from the indicator: a debit is negative whatever sign the bank gave the amount.
          // Each balance finds its account's local id among the rows upserted above.
          sql`SELECT a.id, r.finqware_balance_id, r.type,
                     CASE WHEN r.credit_debit_indicator = 'debit' THEN -abs(r.amount) ELSE abs(r.amount) END,
                     r.credit_debit_indicator, r.currency, r.reference_date, r.finqware_timestamp, r.raw
                FROM unnest(${p.balanceAccountIds}::text[], ${p.balanceIds}::text[], ${p.balanceTypes}::text[],
                            ${p.balanceAmounts}::numeric[], ${p.balanceIndicators}::text[],
                            ${p.balanceCurrencies}::text[], ${p.balanceReferenceDates}::timestamptz[],
                            ${p.balanceTimestamps}::timestamptz[], ${p.balanceRaws}::jsonb[])
                  AS r(finqware_account_id, finqware_balance_id, type, amount, credit_debit_indicator,
                       currency, reference_date, finqware_timestamp, raw)
                JOIN upserted a ON a.finqware_account_id = r.finqware_account_id`,
        )
        .onConflict((oc) =>
          oc.columns(['account_id', 'finqware_balance_id']).doUpdateSet((eb) => ({
            type: eb.ref('excluded.type'),
            amount: eb.ref('excluded.amount'),
            credit_debit_indicator: eb.ref('excluded.credit_debit_indicator'),
            currency: eb.ref('excluded.currency'),
            reference_date: eb.ref('excluded.reference_date'),
            finqware_timestamp: eb.ref('excluded.finqware_timestamp'),
            raw: eb.ref('excluded.raw'),
            updated_at: sql<Date>`now()`,
          })),
        ),
    )
    .selectFrom('upserted')
    .select(['id', 'finqware_account_id']),
);

/** A balance's amount and indicator, checked before anything is written. */
function checkBalance(b: FqBalance): void {
  if (typeof b.amount !== 'string' || !DECIMAL.test(b.amount)) {
    throw new SyncError('protocol', 'balance has an invalid amount', {
      detail: { endpoint: 'balances.get', field: 'amount', shape: describeShape(b.raw ?? b) },
    });
  }
  if (b.creditDebitIndicator !== 'credit' && b.creditDebitIndicator !== 'debit') {
    throw new SyncError('protocol', 'balance has an invalid credit_debit_indicator', {
      detail: {
        endpoint: 'balances.get',
        field: 'credit_debit_indicator',
        shape: describeShape(b.raw ?? b),
      },
    });
  }
}
