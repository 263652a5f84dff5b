import type { TruthConsent } from '@tenant/finqware-sandbox';

/** One cached transaction as the comparison reads it from the database. */
export type StoredTransaction = {
  finqwareAccountId: string;
  utxId: string;
  finqwareId: string;
  status: string;
  /** Signed numeric as PostgreSQL prints it ("-4.2700"). */
  amount: string;
  creditDebitIndicator: string;
  currency: string;
  bookingDateMs: number;
};

export type Mismatch = {
  kind: 'lost' | 'duplicated' | 'extra' | 'wrong';
  account: string;
  utxId: string;
  /** Which fields differ (for `wrong`). */
  fields?: string[];
  /** The bank's row (lost, wrong): when it was booked and when it became visible. */
  truth?: { id: string; status: string; bookingDate: string; timestamp: string };
  consent?: string;
};

export type Comparison = {
  compared: number;
  lost: number;
  duplicated: number;
  /** Rows in the cache the bank no longer lists (e.g. a vanished pending row left behind). */
  extra: number;
  wrong: number;
  /** The first few mismatches, for the report. */
  examples: Mismatch[];
};

export const emptyComparison = (): Comparison => ({
  compared: 0,
  lost: 0,
  duplicated: 0,
  extra: 0,
  wrong: 0,
  examples: [],
});

/**
 * Canonical text of a decimal, so "-4.2700" and "-4.27" compare equal without ever becoming a
 * float: sign, integer digits without leading zeros, fraction digits without trailing zeros.
 */
export function canonicalDecimal(value: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!match) return `invalid:${value}`;
  const integer = (match[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  const zero = /^0*$/.test(integer) && fraction === '';
  const sign = match[1] === '-' && !zero ? '-' : '';
  return `${sign}${integer}${fraction ? `.${fraction}` : ''}`;
}

const MAX_EXAMPLES = 10;

const pick = (tx: { id: string; status: string; bookingDate: string; timestamp: string }) => ({
  id: tx.id,
  status: tx.status,
  bookingDate: tx.bookingDate,
  timestamp: tx.timestamp,
});

/**
 * Compares one consent's cached transactions with the sandbox's ground truth. Rows are matched
 * by (bank account, utx_id), the cache's natural key:
 * - lost: the bank lists it, the cache does not;
 * - duplicated: the cache holds one Finqware transaction id (or one utx_id) more than once;
 * - extra: the cache holds a row the bank no longer lists (a vanished pending payment kept,
 *   or a replaced pending row next to its booked replacement — the user would see it twice);
 * - wrong: matched, but amount (exact decimal), status, currency, direction or booking time differ.
 */
export function compareConsent(truth: TruthConsent, stored: StoredTransaction[], into = emptyComparison()) {
  const note = (m: Mismatch) => {
    if (into.examples.length < MAX_EXAMPLES) into.examples.push(m);
  };
  const byKey = new Map<string, StoredTransaction>();
  const seenIds = new Set<string>();
  for (const row of stored) {
    const key = `${row.finqwareAccountId}\u0000${row.utxId}`;
    const idKey = `${row.finqwareAccountId}\u0000${row.finqwareId}`;
    if (byKey.has(key) || seenIds.has(idKey)) {
      into.duplicated++;
      note({ kind: 'duplicated', account: row.finqwareAccountId, utxId: row.utxId });
      continue;
    }
    byKey.set(key, row);
    seenIds.add(idKey);
  }
  for (const account of truth.accounts) {
    for (const tx of account.transactions ?? []) {
      into.compared++;
      const key = `${account.accountId}\u0000${tx.utxId}`;
      const row = byKey.get(key);
      if (!row) {
        into.lost++;
        note({
          kind: 'lost',
          account: account.accountId,
          utxId: tx.utxId,
          consent: truth.credentialsId,
          truth: pick(tx),
        });
        continue;
      }
      byKey.delete(key);
      const fields: string[] = [];
      if (row.finqwareId !== tx.id) fields.push('finqware_id');
      if (canonicalDecimal(row.amount) !== canonicalDecimal(tx.amount)) fields.push('amount');
      if (row.status !== tx.status) fields.push('status');
      if (row.currency !== tx.currency) fields.push('currency');
      if (row.creditDebitIndicator !== tx.creditDebitIndicator) fields.push('credit_debit_indicator');
      if (row.bookingDateMs !== Date.parse(tx.bookingDate)) fields.push('booking_date');
      if (fields.length > 0) {
        into.wrong++;
        note({ kind: 'wrong', account: account.accountId, utxId: tx.utxId, fields, truth: pick(tx) });
      }
    }
  }
  for (const row of byKey.values()) {
    into.extra++;
    note({ kind: 'extra', account: row.finqwareAccountId, utxId: row.utxId });
  }
  return into;
}
