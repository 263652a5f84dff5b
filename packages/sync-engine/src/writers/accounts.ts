import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { sql } from 'kysely';
import { describeShape, SyncError } from '../errors';
import type { FqAccount, FqBalance } from '../finqware';

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
  // Set-based: one bind parameter per column, each a PostgreSQL array (unnest turns them into rows).
  const rows = await db(em)
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
      sql`SELECT ${consent.id}::uuid, ${consent.userId}::uuid, r.*
            FROM unnest(${col((a) => a.id)}::text[], ${col((a) => a.servicerName ?? '')}::text[],
                        ${col((a) => a.iban || null)}::text[], ${col((a) => a.bic || null)}::text[],
                        ${col((a) => a.currency)}::text[], ${col((a) => a.name || null)}::text[],
                        ${col((a) => a.nickname || null)}::text[], ${col((a) => a.accountType || null)}::text[],
                        ${col((a) => a.accountSubType || null)}::text[],
                        ${col((a) => a.timestamp || null)}::timestamptz[],
                        ${col((a) => JSON.stringify(a.raw ?? null))}::jsonb[])
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
    .returning(['id', 'finqware_account_id'])
    .execute();
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
  await db(em)
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
      sql`SELECT r.account_id, r.finqware_balance_id, r.type,
                 CASE WHEN r.credit_debit_indicator = 'debit' THEN -abs(r.amount) ELSE abs(r.amount) END,
                 r.credit_debit_indicator, r.currency, r.reference_date, r.finqware_timestamp, r.raw
            FROM unnest(${col((b) => accountIds.get(b.accountId))}::uuid[], ${col((b) => b.id)}::text[],
                        ${col((b) => b.type)}::text[], ${col((b) => b.amount)}::numeric[],
                        ${col((b) => b.creditDebitIndicator)}::text[], ${col((b) => b.currency)}::text[],
                        ${col((b) => b.nativeTimestamp || b.nativeDate || null)}::timestamptz[],
                        ${col((b) => b.timestamp || null)}::timestamptz[],
                        ${col((b) => JSON.stringify(b.raw ?? null))}::jsonb[])
              AS r(account_id, finqware_balance_id, type, amount, credit_debit_indicator, currency,
                   reference_date, finqware_timestamp, raw)`,
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
    )
    .execute();
  return { written: unique.length, skipped };
}
