import { randomUUID } from 'node:crypto';
import { rebuildRollups } from '@tenant/domain';
import { sql } from '../db';
import type { Harness } from './harness';

/**
 * Rows a user's bank data is made of, written straight to the database (consent secrets through
 * the vault), so read-side tests need no Finqware and no sync.
 */

/** A consent row as a completed connect flow would leave it (secrets through the vault). */
export async function createConsent(
  h: Harness,
  userId: string,
  skillCode = 'bt_ro_aisp_sbx_#2.0',
  status: 'ACTIVE' | 'EXPIRED' | 'DELETED' | 'REAUTH_REQUIRED' = 'ACTIVE',
): Promise<string> {
  const skillId = await h.skillId(skillCode);
  const { consentId } = await h.em().transactional((em) =>
    h.context().vault.storeConsent(em, {
      userId,
      skillId,
      credentialsId: `cred-${randomUUID()}`,
      accessToken: `tok-${randomUUID()}`,
      consentExp: new Date('2030-01-01T00:00:00Z'),
      maxDataRetention: null,
    }),
  );
  if (status !== 'ACTIVE')
    await sql(h.em()).run('update user_skills set status = ? where id = ?', [status, consentId]);
  return consentId;
}

/** An account of the consent; fields default to a Banca Transilvania RON current account. */
export async function createAccount(
  h: Harness,
  userId: string,
  consentId: string,
  fields: { currency?: string; name?: string; iban?: string } = {},
): Promise<string> {
  const row = await sql(h.em()).one<{ id: string }>(
    `insert into accounts (user_skill_id, user_id, finqware_account_id, servicer_name, iban, currency, name, raw)
     values (?, ?, ?, 'Banca Transilvania', ?, ?, ?, '{}'::jsonb) returning id`,
    [
      consentId,
      userId,
      randomUUID(),
      fields.iban ?? 'RO49AAAA1B31007593840000',
      fields.currency ?? 'RON',
      fields.name ?? 'Current',
    ],
  );
  if (!row) throw new Error('no account');
  return row.id;
}

/** One transaction to insert; the credit/debit indicator follows the amount's sign. */
export type TxSeed = {
  amount: string;
  bookingDate: string;
  status?: 'booked' | 'pending';
  currency?: string;
  description?: string | null;
  counterparty?: string | null;
  id?: string;
};

/** Inserts the rows in order and returns their ids. */
export async function insertTransactions(h: Harness, userId: string, accountId: string, rows: TxSeed[]) {
  const ids: string[] = [];
  for (const row of rows) {
    const id = row.id ?? randomUUID();
    ids.push(id);
    await sql(h.em()).run(
      `insert into transactions (id, account_id, user_id, utx_id, finqware_id, status, amount, credit_debit_indicator,
         currency, booking_date, description, counterparty, raw)
       values (?, ?, ?, ?, ?, ?, ?::numeric, case when ?::numeric < 0 then 'debit' else 'credit' end, ?, ?::timestamptz, ?, ?, '{}'::jsonb)`,
      [
        id,
        accountId,
        userId,
        randomUUID(),
        randomUUID(),
        row.status ?? 'booked',
        row.amount,
        row.amount,
        row.currency ?? 'RON',
        row.bookingDate,
        row.description ?? null,
        row.counterparty ?? null,
      ],
    );
  }
  // Inserted by SQL, not by the sync engine: the insights' rollups are brought in line here.
  await rebuildRollups(h.em(), [accountId]);
  return ids;
}

/** A balance of the account at `at` (reference date and Finqware timestamp alike). */
export async function insertBalance(
  h: Harness,
  accountId: string,
  b: { type: string; amount: string; at: string; currency?: string },
) {
  await sql(h.em()).run(
    `insert into balances (account_id, finqware_balance_id, type, amount, credit_debit_indicator, currency, reference_date,
       finqware_timestamp, raw)
     values (?, ?, ?, ?::numeric, case when ?::numeric < 0 then 'debit' else 'credit' end, ?, ?::timestamptz, ?::timestamptz, '{}'::jsonb)`,
    [accountId, randomUUID(), b.type, b.amount, b.amount, b.currency ?? 'RON', b.at, b.at],
  );
}
