import { z } from 'zod';
import { creditDebit, decimalString, defined, utcTimestamp, withRaw } from './common';

const wireAccount = z.object({
  id: z.string().min(1),
  servicer_id: z.string(),
  servicer_name: z.string(),
  timestamp: utcTimestamp,
  data: z.object({
    account_schemes: z.array(z.object({ scheme_name: z.string(), identification: z.string() })),
    balances: z.array(
      z.object({
        balance_amount: decimalString,
        balance_currency: z.string(),
        balance_type: z.string(),
        credit_limit_included: z.boolean(),
        credit_debit_indicator: creditDebit,
      }),
    ),
    account_type: z.string().nullable().optional(),
    account_sub_type: z.string().nullable().optional(),
    currency: z.string(),
    name: z.string().nullable().optional(),
    nickname: z.string().nullable().optional(),
  }),
});

export interface AccountBalance {
  amount: string;
  currency: string;
  type: string;
  creditLimitIncluded: boolean;
  creditDebitIndicator: 'credit' | 'debit';
}

export interface Account {
  id: string;
  servicerId: string;
  servicerName: string;
  timestamp: string;
  currency: string;
  name?: string;
  nickname?: string;
  accountType?: string;
  accountSubType?: string;
  accountSchemes: { schemeName: string; identification: string }[];
  iban?: string;
  bic?: string;
  balances: AccountBalance[];
  raw: unknown;
}

const scheme = (schemes: { scheme_name: string; identification: string }[], ...names: string[]) =>
  schemes.find((s) => names.includes(s.scheme_name.toUpperCase()))?.identification;

export const account = withRaw(wireAccount, (w, raw): Account => {
  const d = w.data;
  return defined({
    id: w.id,
    servicerId: w.servicer_id,
    servicerName: w.servicer_name,
    timestamp: w.timestamp,
    currency: d.currency,
    name: d.name ?? undefined,
    nickname: d.nickname ?? undefined,
    accountType: d.account_type ?? undefined,
    accountSubType: d.account_sub_type ?? undefined,
    accountSchemes: d.account_schemes.map((s) => ({
      schemeName: s.scheme_name,
      identification: s.identification,
    })),
    iban: scheme(d.account_schemes, 'IBAN'),
    bic: scheme(d.account_schemes, 'BICFI', 'BIC'),
    balances: d.balances.map((b) => ({
      amount: b.balance_amount,
      currency: b.balance_currency,
      type: b.balance_type,
      creditLimitIncluded: b.credit_limit_included,
      creditDebitIndicator: b.credit_debit_indicator,
    })),
    raw,
  });
});

export const accountsResponse = z.array(account);
