import type { EntityManager } from '@mikro-orm/postgresql';
import { describeShape, SyncError } from '../errors';
import type { FqAccount, FqBalance } from '../finqware';
import { runSql } from './sql';

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Upserts a consent's accounts (a handful of rows, one statement) and returns the local id of each
 * by Finqware account id. Every row is returned, changed or not, because transactions and
 * balances need the mapping.
 */
export async function upsertAccounts(
  em: EntityManager,
  consent: { id: string; userId: string },
  accounts: FqAccount[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (accounts.length === 0) return ids;
  const unique = [...new Map(accounts.map((a) => [a.id, a])).values()];
  const col = <T>(f: (a: FqAccount) => T) => unique.map(f);
  const rows = await runSql<{ id: string; finqware_account_id: string }>(
    em,
    `INSERT INTO accounts AS a (user_skill_id, user_id, finqware_account_id, servicer_name, iban, bic, currency,
                                name, nickname, account_type, account_sub_type, finqware_timestamp, raw)
     SELECT ?::uuid, ?::uuid, r.*
       FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                   ?::text[], ?::timestamptz[], ?::jsonb[])
         AS r(finqware_account_id, servicer_name, iban, bic, currency, name, nickname, account_type,
              account_sub_type, finqware_timestamp, raw)
     ON CONFLICT (user_skill_id, finqware_account_id) DO UPDATE SET
       servicer_name = excluded.servicer_name, iban = excluded.iban, bic = excluded.bic,
       currency = excluded.currency, name = excluded.name, nickname = excluded.nickname,
       account_type = excluded.account_type, account_sub_type = excluded.account_sub_type,
       finqware_timestamp = excluded.finqware_timestamp, raw = excluded.raw, updated_at = now()
     RETURNING a.id, a.finqware_account_id`,
    [
      consent.id,
      consent.userId,
      col((a) => a.id),
      col((a) => a.servicerName ?? ''),
      col((a) => a.iban || null),
      col((a) => a.bic || null),
      col((a) => a.currency),
      col((a) => a.name || null),
      col((a) => a.nickname || null),
      col((a) => a.accountType || null),
      col((a) => a.accountSubType || null),
      col((a) => a.timestamp || null),
      col((a) => JSON.stringify(a.raw ?? null)),
    ],
  );
  for (const row of rows) ids.set(row.finqware_account_id, row.id);
  return ids;
}

/**
 * Upserts balance snapshots by (account, Finqware balance id). Amounts are signed in numeric from
 * the indicator. Balances of an account we do not know are skipped and counted.
 */
export async function upsertBalances(
  em: EntityManager,
  accountIds: Map<string, string>,
  balances: FqBalance[],
): Promise<{ written: number; skipped: number }> {
  const known = balances.filter((b) => accountIds.has(b.accountId));
  const skipped = balances.length - known.length;
  if (known.length === 0) return { written: 0, skipped };
  for (const b of known) {
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
  const unique = [...new Map(known.map((b) => [`${b.accountId}\u0000${b.id}`, b])).values()];
  const col = <T>(f: (b: FqBalance) => T) => unique.map(f);
  await runSql(
    em,
    `INSERT INTO balances AS b (account_id, finqware_balance_id, type, amount, credit_debit_indicator, currency,
                                reference_date, finqware_timestamp, raw)
     SELECT r.account_id, r.finqware_balance_id, r.type,
            CASE WHEN r.credit_debit_indicator = 'debit' THEN -abs(r.amount) ELSE abs(r.amount) END,
            r.credit_debit_indicator, r.currency, r.reference_date, r.finqware_timestamp, r.raw
       FROM unnest(?::uuid[], ?::text[], ?::text[], ?::numeric[], ?::text[], ?::text[], ?::timestamptz[],
                   ?::timestamptz[], ?::jsonb[])
         AS r(account_id, finqware_balance_id, type, amount, credit_debit_indicator, currency, reference_date,
              finqware_timestamp, raw)
     ON CONFLICT (account_id, finqware_balance_id) DO UPDATE SET
       type = excluded.type, amount = excluded.amount, credit_debit_indicator = excluded.credit_debit_indicator,
       currency = excluded.currency, reference_date = excluded.reference_date,
       finqware_timestamp = excluded.finqware_timestamp, raw = excluded.raw, updated_at = now()`,
    [
      col((b) => accountIds.get(b.accountId)),
      col((b) => b.id),
      col((b) => b.type),
      col((b) => b.amount),
      col((b) => b.creditDebitIndicator),
      col((b) => b.currency),
      col((b) => b.nativeTimestamp || b.nativeDate || null),
      col((b) => b.timestamp || null),
      col((b) => JSON.stringify(b.raw ?? null)),
    ],
  );
  return { written: unique.length, skipped };
}
