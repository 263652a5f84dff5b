import type { EntityManager } from '@mikro-orm/postgresql';
import { decodeCursor, encodeCursor } from '../../cursor';
import { transactionsPage } from './transactions.repository';
import type { TransactionsListInput } from './transactions.schemas';

type Listed = Awaited<ReturnType<typeof transactionsPage>>[number];

/**
 * A transaction as `transactions.list` answers it: amounts signed decimal strings (credits
 * positive). Written out because it is the published client's contract: its declarations must not
 * name the query (and through it MikroORM). `SameFields` below keeps it equal to the query's rows,
 * so a renamed or retyped column still fails `tsc`.
 */
export type TransactionItem = {
  id: string;
  accountId: string;
  status: 'booked' | 'pending';
  amount: string;
  creditDebitIndicator: 'credit' | 'debit';
  currency: string;
  bookingDate: Date;
  balanceAfter: string | null;
  description: string | null;
  counterparty: string | null;
  category: string | null;
};

type SameFields<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const rowsAreItems: SameFields<Omit<Listed, 'bookingDate'>, Omit<TransactionItem, 'bookingDate'>> = true;
void rowsAreItems;

/** The cursor's ISO form of an instant in microseconds since the epoch: milliseconds would skip rows. */
function isoMicros(micros: string): string {
  const us = BigInt(micros);
  const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
  const fraction = String(us - ms * 1000n).padStart(3, '0');
  return `${new Date(Number(ms)).toISOString().slice(0, -1)}${fraction}Z`;
}

/** One keyset page of the user's transactions; `nextCursor` (null at the end) continues it. */
export async function listTransactions(
  em: EntityManager,
  userId: string,
  input: TransactionsListInput,
): Promise<{ items: TransactionItem[]; nextCursor: string | null }> {
  const { cursor, ...filter } = input;
  const rows = await transactionsPage(em, userId, {
    ...filter,
    after: cursor ? decodeCursor(cursor) : undefined,
    limit: input.limit + 1,
  });
  const page = rows.length > input.limit ? rows.slice(0, input.limit) : rows;
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > input.limit && last
      ? encodeCursor({ bookingDate: isoMicros(last.bookingDate), id: last.id })
      : null;
  // The rows become the items in place (a Date from a number costs half what parsing an ISO
  // string does, and a page is 100 objects fewer to build and collect).
  for (const row of page) {
    (row as unknown as TransactionItem).bookingDate = new Date(Math.floor(Number(row.bookingDate) / 1000));
  }
  return { items: page as unknown as TransactionItem[], nextCursor };
}
