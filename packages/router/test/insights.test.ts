import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createConsent, insertTransactions } from '../src/testing/fixtures';
import { createHarness, type Harness } from '../src/testing/harness';

/**
 * The insights answer from rollups (monthly, daily) and the raw rows a range cuts off them. Two users bank on the same days, in the same currency,
 * with the same counterparties: each sees exactly their own sums, and a range that starts or ends
 * inside a day counts exactly the transactions inside it.
 */
let h: Harness;
let alice: Awaited<ReturnType<Harness['signUp']>>;
let bob: Awaited<ReturnType<Harness['signUp']>>;

beforeAll(async () => {
  h = await createHarness();
  alice = await h.signUp();
  bob = await h.signUp();
  for (const [user, scale] of [
    [alice, 1],
    [bob, 1000],
  ] as const) {
    const consent = await createConsent(h, user.user.id);
    const account = await createAccount(h, user.user.id, consent, { currency: 'RON' });
    const amount = (value: number) => (value * scale).toFixed(2);
    await insertTransactions(h, user.user.id, account, [
      { amount: amount(-10), bookingDate: '2025-03-01T08:00:00Z', counterparty: 'Lidl' },
      { amount: amount(-5), bookingDate: '2025-03-01T18:00:00Z', counterparty: 'Lidl' },
      { amount: amount(100), bookingDate: '2025-03-02T09:00:00Z', counterparty: 'ACME Payroll' },
      { amount: amount(-1), bookingDate: '2025-03-03T23:30:00Z', counterparty: 'Enel' },
      { amount: amount(-7), bookingDate: '2025-02-20T10:00:00Z', counterparty: 'Lidl' },
      { amount: amount(-3), bookingDate: '2025-04-05T10:00:00Z', counterparty: 'Lidl' },
      { amount: amount(-20), bookingDate: '2024-12-31T23:59:59Z', counterparty: 'Lidl' },
      { amount: amount(-2), bookingDate: '2025-01-01T00:00:00Z', counterparty: 'Lidl' },
    ]);
  }
});
afterAll(() => h?.close());

describe('insights', () => {
  it('sums only the caller’s transactions, whoever else banks on the same days', async () => {
    const range = { from: '2025-03-01', to: '2025-04-01' };
    const flows = async (user: typeof alice) =>
      (await user.api.insights.cashflow({ ...range, interval: 'month' })).map((b) => [
        b.currency,
        b.inflow,
        b.outflow,
        b.net,
        b.count,
      ]);
    expect(await flows(alice)).toEqual([['RON', '100.0000', '16.0000', '84.0000', 4]]);
    expect(await flows(bob)).toEqual([['RON', '100000.0000', '16000.0000', '84000.0000', 4]]);

    const top = async (user: typeof alice) =>
      (await user.api.insights.topCounterparties({ ...range, limit: 10 })).map((c) => [
        c.counterparty,
        c.count,
        c.net,
      ]);
    expect(await top(alice)).toEqual([
      ['ACME Payroll', 1, '100.0000'],
      ['Lidl', 2, '-15.0000'],
      ['Enel', 1, '-1.0000'],
    ]);
    expect(await top(bob)).toEqual([
      ['ACME Payroll', 1, '100000.0000'],
      ['Lidl', 2, '-15000.0000'],
      ['Enel', 1, '-1000.0000'],
    ]);
  });

  it('counts a range that cuts into days by the instants it holds', async () => {
    // From noon on the 1st (the 08:00 Lidl row is outside) to 23:00 on the 3rd (Enel is outside).
    const range = { from: '2025-03-01T12:00:00Z', to: '2025-03-03T23:00:00Z' };
    const weeks = await alice.api.insights.cashflow({ ...range, interval: 'week' });
    expect(weeks.map((b) => [b.period.toISOString().slice(0, 10), b.inflow, b.outflow, b.count])).toEqual([
      ['2025-02-24', '100.0000', '5.0000', 2],
    ]);
    const top = await alice.api.insights.topCounterparties({ ...range, limit: 10 });
    expect(top.map((c) => [c.counterparty, c.count, c.outflow])).toEqual([
      ['ACME Payroll', 1, '0'],
      ['Lidl', 1, '5.0000'],
    ]);
    // Within one day.
    const evening = await alice.api.insights.cashflow({
      from: '2025-03-01T17:00:00Z',
      to: '2025-03-01T19:00:00Z',
      interval: 'month',
    });
    expect(evening.map((b) => [b.net, b.count])).toEqual([['-5.0000', 1]]);
  });

  it('adds whole months to the days a range cuts off them', async () => {
    const lidl = async (from: string, to: string) =>
      (await alice.api.insights.topCounterparties({ from, to, limit: 10 }))
        .filter((c) => c.counterparty === 'Lidl')
        .map((c) => [c.count, c.net]);
    expect(await lidl('2025-02-15', '2025-04-06')).toEqual([[4, '-25.0000']]);
    expect(await lidl('2025-02-21', '2025-04-05')).toEqual([[2, '-15.0000']]);
    expect(await lidl('2025-02-20T10:00:00Z', '2025-04-05T10:00:01Z')).toEqual([[4, '-25.0000']]);
  });

  it('sums every month of a range of whole months across a year’s end, call after call', async () => {
    const lidl = async (from: string, to: string) =>
      (await alice.api.insights.topCounterparties({ from, to, limit: 10 }))
        .filter((c) => c.counterparty === 'Lidl')
        .map((c) => [c.count, c.net]);
    // The months are one array value of a statement prepared by name: from its sixth call on a
    // connection PostgreSQL runs a generic plan, made without them.
    for (let call = 0; call < 8; call++) {
      expect(await lidl('2024-12-01', '2025-05-01')).toEqual([[6, '-47.0000']]);
      expect(await lidl('2025-01-01', '2025-05-01')).toEqual([[5, '-27.0000']]);
      expect(await lidl('2024-11-01', '2024-12-01')).toEqual([]);
    }
  });

  it('sums months by month from whole months, the whole days around them and the instants cut off', async () => {
    const months = async (from: string, to: string) =>
      (await alice.api.insights.cashflow({ from, to, interval: 'month' })).map((b) => [
        b.period.toISOString().slice(0, 7),
        b.inflow,
        b.outflow,
        b.count,
      ]);
    const all = [
      ['2025-02', '0', '7.0000', 1],
      ['2025-03', '100.0000', '16.0000', 4],
      ['2025-04', '0', '3.0000', 1],
    ];
    expect(await months('2025-02-01', '2025-05-01')).toEqual(all);
    expect(await months('2025-02-15', '2025-04-06')).toEqual(all);
    expect(await months('2025-02-20T10:00:00Z', '2025-04-05T10:00:01Z')).toEqual(all);
    expect(await months('2025-02-20T10:00:01Z', '2025-04-05T10:00:00Z')).toEqual([all[1]]);
    expect(await months('2025-03-02', '2025-03-04')).toEqual([['2025-03', '100.0000', '1.0000', 2]]);
  });
});
