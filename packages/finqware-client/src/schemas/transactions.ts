import { z } from 'zod';
import { creditDebit, decimalString, defined, utcTimestamp, withRaw } from './common';

/** `details` is "future use" (§3.6): a mistyped sub-field is dropped rather than failing a whole sync. */
const details = z
  .object({
    attach: z.array(z.string()).optional().catch(undefined),
    category: z.string().optional().catch(undefined),
    location: z.string().optional().catch(undefined),
    merchant: z.string().optional().catch(undefined),
    tags: z.array(z.string()).optional().catch(undefined),
  })
  .nullable()
  .optional();

const wireTransaction = z.object({
  id: z.string().min(1),
  utx_id: z.string().nullable().optional(),
  account_id: z.string().min(1),
  timestamp: utcTimestamp,
  data: z.object({
    amount: decimalString,
    balance: decimalString.nullable().optional(),
    booking_date_time: utcTimestamp,
    credit_debit_indicator: creditDebit,
    currency: z.string(),
    info: z.string().nullable().optional(),
    status: z.string(),
    details,
    exchange_rate: z.union([z.string(), z.number()]).nullable().optional(),
  }),
});

export interface TransactionDetails {
  attach?: string[];
  category?: string;
  location?: string;
  merchant?: string;
  tags?: string[];
}

export interface Transaction {
  id: string;
  utxId?: string;
  accountId: string;
  /** Insert time in Finqware's database (the `timestamp_*` filters), ISO UTC. */
  timestamp: string;
  /** Positive decimal string as on the wire; the sign is `creditDebitIndicator`. */
  amount: string;
  balance?: string | null;
  bookingDateTime: string;
  creditDebitIndicator: 'credit' | 'debit';
  currency: string;
  info?: string | null;
  status: 'booked' | 'pending' | (string & {});
  details?: TransactionDetails | null;
  exchangeRate?: string | null;
  raw: unknown;
}

export const transaction = withRaw(wireTransaction, (w, raw): Transaction => {
  const d = w.data;
  return defined({
    id: w.id,
    utxId: w.utx_id ?? undefined,
    accountId: w.account_id,
    timestamp: w.timestamp,
    amount: d.amount,
    balance: d.balance,
    bookingDateTime: d.booking_date_time,
    creditDebitIndicator: d.credit_debit_indicator,
    currency: d.currency,
    info: d.info,
    status: d.status,
    details: d.details === undefined || d.details === null ? d.details : defined({ ...d.details }),
    exchangeRate:
      d.exchange_rate === undefined || d.exchange_rate === null ? d.exchange_rate : String(d.exchange_rate),
    raw,
  });
});

export const transactionsResponse = z.array(transaction);
