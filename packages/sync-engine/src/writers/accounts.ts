import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
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
  const col = <T>(f: (a: FqAccount) => T) => unique.map(f);
  // Set-based: one bind parameter per column, each a PostgreSQL array (unnest turns them into rows).
  const rows = await db(em)
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
        .returning(['id', 'finqware_account_id']),
    )
    .with('balances_written', (qc) => {
      const unique = [...new Map(known.map((b) => [`${b.accountId}\u0000${b.id}`, b])).values()];
      const col = <T>(f: (b: FqBalance) => T) => unique.map(f);
      return qc
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
                FROM unnest(${col((b) => b.accountId)}::text[], ${col((b) => b.id)}::text[],
                            ${col((b) => b.type)}::text[], ${col((b) => b.amount)}::numeric[],
                            ${col((b) => b.creditDebitIndicator)}::text[], ${col((b) => b.currency)}::text[],
                            ${col((b) => b.nativeTimestamp || b.nativeDate || null)}::timestamptz[],
                            ${col((b) => b.timestamp || null)}::timestamptz[],
                            ${col((b) => JSON.stringify(b.raw ?? null))}::jsonb[])
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
        );
    })
    .selectFrom('upserted')
    .select(['id', 'finqware_account_id'])
    .execute();
  for (const row of rows) accountIds.set(row.finqware_account_id, row.id);
  return { accountIds, balancesSkipped };
}

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
