import { z } from 'zod';
import { creditDebit, decimalString, defined, utcTimestamp, withRaw } from './common';

const wireBalance = z.object({
  id: z.string().min(1),
  account_id: z.string().min(1),
  timestamp: utcTimestamp,
  data: z.object({
    amount: decimalString,
    credit_debit_indicator: creditDebit,
    credit_limit_included: z.boolean(),
    credit_line: z.unknown().optional(),
    currency: z.string(),
    native_date: z.string().nullable().optional(),
    native_timestamp: utcTimestamp.nullable().optional(),
    type: z.string(),
  }),
});

export interface Balance {
  id: string;
  accountId: string;
  timestamp: string;
  /** Positive decimal string as on the wire; the sign is `creditDebitIndicator`. */
  amount: string;
  creditDebitIndicator: 'credit' | 'debit';
  creditLimitIncluded: boolean;
  creditLine: unknown;
  currency: string;
  nativeDate?: string | null;
  nativeTimestamp?: string | null;
  type: string;
  raw: unknown;
}

export const balance = withRaw(wireBalance, (w, raw): Balance => {
  const d = w.data;
  return defined({
    id: w.id,
    accountId: w.account_id,
    timestamp: w.timestamp,
    amount: d.amount,
    creditDebitIndicator: d.credit_debit_indicator,
    creditLimitIncluded: d.credit_limit_included,
    creditLine: d.credit_line ?? null,
    currency: d.currency,
    nativeDate: d.native_date,
    nativeTimestamp: d.native_timestamp,
    type: d.type,
    raw,
  });
});

export const balancesResponse = z.array(balance);
