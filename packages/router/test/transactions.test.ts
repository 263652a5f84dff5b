import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorDetails } from '../src/errors';
import { createAccount, createConsent, insertTransactions, type TxSeed } from '../src/testing/fixtures';
import { createHarness, type Harness } from '../src/testing/harness';
import { rejection } from './rejection';

let h: Harness;
let alice: Awaited<ReturnType<Harness['signUp']>>;
let accountA: string;
let accountB: string;

beforeAll(async () => {
  h = await createHarness();
  alice = await h.signUp();
  const consent = await createConsent(h, alice.user.id);
  accountA = await createAccount(h, alice.user.id, consent);
  accountB = await createAccount(h, alice.user.id, consent, { currency: 'EUR', name: 'Savings' });
});
afterAll(() => h?.close());

/** Deterministic pseudo-random stream, so a failure reproduces. */
function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

async function walk(input: Record<string, unknown>, onPage?: (page: number) => Promise<void>) {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await alice.api.transactions.list({ ...input, cursor });
    seen.push(...result.items.map((i) => i.id));
    if (!result.nextCursor) return seen;
    cursor = result.nextCursor;
    await onPage?.(page);
  }
  throw new Error('pagination did not end');
}

describe('transactions.list', () => {
  it('pages through every row once, newest booking date first, ties broken by id, microseconds kept', async () => {
    const random = rng(7);
    const rows: TxSeed[] = [];
    for (let i = 0; i < 230; i++) {
      // Few distinct instants, so many rows tie on booking_date; some differ only in microseconds.
      const day = Math.floor(random() * 20) + 1;
      const micros = Math.floor(random() * 3);
      rows.push({
        amount: (Math.floor(random() * 2_000_000) / 100 - 10_000).toFixed(2),
        bookingDate: `2025-03-${String(day).padStart(2, '0')}T12:00:00.00000${micros}Z`,
      });
    }
    await insertTransactions(h, alice.user.id, accountA, rows);

    const all = await alice.api.transactions.list({ accountId: accountA, limit: 500 });
    expect(all.items).toHaveLength(230);
    expect(all.nextCursor).toBeNull();
    const paged = await walk({ accountId: accountA, limit: 17 });
    expect(paged).toEqual(all.items.map((i) => i.id));
    for (let i = 1; i < all.items.length; i++) {
      const [a, b] = [all.items[i - 1], all.items[i]];
      if (!a || !b) continue;
      expect(a.bookingDate.getTime()).toBeGreaterThanOrEqual(b.bookingDate.getTime());
    }
  });

  it('never repeats or skips a row while new rows arrive between pages', async () => {
    const account = await createAccount(h, alice.user.id, await createConsent(h, alice.user.id));
    const random = rng(99);
    const original = await insertTransactions(
      h,
      alice.user.id,
      account,
      Array.from({ length: 120 }, (_, i) => ({
        amount: '1.00',
        bookingDate: `2025-02-${String((i % 10) + 1).padStart(2, '0')}T08:00:00Z`,
      })),
    );
    const added: string[] = [];
    const seen = await walk({ accountId: account, limit: 11 }, async () => {
      // Newer rows, older rows and rows tying on an already-served instant all land mid-walk.
      const day = Math.floor(random() * 12) + 1;
      added.push(
        ...(await insertTransactions(h, alice.user.id, account, [
          { amount: '2.00', bookingDate: `2025-02-${String(day).padStart(2, '0')}T08:00:00Z` },
          { amount: '3.00', bookingDate: '2025-04-01T00:00:00Z' },
        ])),
      );
    });
    expect(new Set(seen).size).toBe(seen.length);
    const servedOriginal = seen.filter((id) => original.includes(id));
    expect(servedOriginal.sort()).toEqual([...original].sort());
    expect(seen.every((id) => original.includes(id) || added.includes(id))).toBe(true);
  });

  it('filters by status, date range, exact decimal amounts and a search with literal wildcards', async () => {
    const account = await createAccount(h, alice.user.id, await createConsent(h, alice.user.id));
    const [big, small, pending, percent, underscore] = await insertTransactions(h, alice.user.id, account, [
      { amount: '12345678901234.5678', bookingDate: '2024-05-01T00:00:00Z', description: 'Salary ACME' },
      {
        amount: '-0.0001',
        bookingDate: '2024-05-02T00:00:00Z',
        description: 'rounding',
        counterparty: 'Bank fee',
      },
      {
        amount: '-25.50',
        bookingDate: '2024-05-03T00:00:00Z',
        status: 'pending',
        counterparty: 'Coffee Shop',
      },
      { amount: '-10.00', bookingDate: '2024-05-04T00:00:00Z', description: '100% cotton' },
      { amount: '-10.00', bookingDate: '2024-05-05T00:00:00Z', description: 'snake_case' },
    ]);
    const ids = async (input: Record<string, unknown>) =>
      (await alice.api.transactions.list({ accountId: account, ...input })).items.map((i) => i.id);

    const items = (await alice.api.transactions.list({ accountId: account })).items;
    expect(items.find((i) => i.id === big)?.amount).toBe('12345678901234.5678');
    expect(items.find((i) => i.id === small)?.amount).toBe('-0.0001');

    expect(await ids({ status: 'pending' })).toEqual([pending]);
    expect(await ids({ from: new Date('2024-05-02T00:00:00Z'), to: '2024-05-04T00:00:00Z' })).toEqual([
      pending,
      small,
    ]);
    expect(await ids({ minAmount: '-0.0001', maxAmount: '0' })).toEqual([small]);
    expect(await ids({ minAmount: '12345678901234.5678' })).toEqual([big]);
    expect(await ids({ maxAmount: '-10' })).toEqual([underscore, percent, pending]);
    expect(await ids({ search: 'coffee' })).toEqual([pending]);
    expect(await ids({ search: '%' })).toEqual([percent]);
    expect(await ids({ search: 'e_c' })).toEqual([underscore]);
  });

  it('rejects a malformed cursor, a too large limit and a non-decimal amount, naming the field', async () => {
    const cursor = await rejection(alice.api.transactions.list({ cursor: 'bm90LWEtY3Vyc29y' }));
    expect(cursor.code).toBe('BAD_REQUEST');
    expect((cursor.cause as ErrorDetails).issues?.[0]?.path).toBe('cursor');

    const limit = await rejection(alice.api.transactions.list({ limit: 501 }));
    expect(limit.code).toBe('BAD_REQUEST');
    const amount = await rejection(alice.api.transactions.list({ minAmount: '1e5' }));
    expect(amount.code).toBe('BAD_REQUEST');
  });

  it('lists across the user’s accounts without another user’s rows', async () => {
    const bob = await h.signUp();
    const bobAccount = await createAccount(h, bob.user.id, await createConsent(h, bob.user.id));
    await insertTransactions(h, bob.user.id, bobAccount, [
      { amount: '5.00', bookingDate: '2025-01-01T00:00:00Z' },
    ]);
    await insertTransactions(h, alice.user.id, accountB, [
      { amount: '7.00', bookingDate: '2025-01-01T00:00:00Z', currency: 'EUR' },
    ]);
    const bobs = await bob.api.transactions.list({});
    expect(bobs.items.map((i) => i.amount)).toEqual(['5.0000']);
    const alices = await walk({ limit: 500 });
    expect(alices.length).toBeGreaterThan(230);
  });
});
