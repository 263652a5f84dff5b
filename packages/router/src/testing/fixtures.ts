import { randomUUID } from 'node:crypto';
import { db, rebuildRollups } from '@tenant/domain';
import { sql } from 'kysely';
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
  if (status !== 'ACTIVE') {
    await db(h.em()).updateTable('user_skills').set({ status }).where('id', '=', consentId).execute();
  }
  return consentId;
}

/** An account of the consent; fields default to a Banca Transilvania RON current account. */
export async function createAccount(
  h: Harness,
  userId: string,
  consentId: string,
  fields: { currency?: string; name?: string; iban?: string } = {},
): Promise<string> {
  const row = await db(h.em())
    .insertInto('accounts')
    .values({
      user_skill_id: consentId,
      user_id: userId,
      finqware_account_id: randomUUID(),
      servicer_name: 'Banca Transilvania',
      iban: fields.iban ?? 'RO49AAAA1B31007593840000',
      currency: fields.currency ?? 'RON',
      name: fields.name ?? 'Current',
      raw: {},
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A decimal string's side: amounts below zero are debits ("-0.00" is not below zero). */
const indicator = (amount: string) => (/^\s*-\d*\.?\d*[1-9]/.test(amount) ? 'debit' : 'credit');

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
    await db(h.em())
      .insertInto('transactions')
      .values({
        id,
        account_id: accountId,
        user_id: userId,
        utx_id: randomUUID(),
        finqware_id: randomUUID(),
        status: row.status ?? 'booked',
        amount: row.amount,
        credit_debit_indicator: indicator(row.amount),
        currency: row.currency ?? 'RON',
        booking_date: sql<Date>`${row.bookingDate}::timestamptz`,
        description: row.description ?? null,
        counterparty: row.counterparty ?? null,
        raw: {},
      })
      .execute();
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
  await db(h.em())
    .insertInto('balances')
    .values({
      account_id: accountId,
      finqware_balance_id: randomUUID(),
      type: b.type,
      amount: b.amount,
      credit_debit_indicator: indicator(b.amount),
      currency: b.currency ?? 'RON',
      reference_date: sql<Date>`${b.at}::timestamptz`,
      finqware_timestamp: sql<Date>`${b.at}::timestamptz`,
      raw: {},
    })
    .execute();
}
