import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createConsent, insertBalance, insertTransactions } from '../src/testing/fixtures';
import { createHarness, type Harness } from '../src/testing/harness';

let h: Harness;
let user: Awaited<ReturnType<Harness['signUp']>>;
let consent: string;
let ron: string;
let eur: string;

beforeAll(async () => {
  h = await createHarness();
  user = await h.signUp();
  consent = await createConsent(h, user.user.id);
  ron = await createAccount(h, user.user.id, consent, { currency: 'RON', name: 'Current' });
  eur = await createAccount(h, user.user.id, consent, { currency: 'EUR', name: 'Savings' });
  await insertBalance(h, ron, { type: 'closingBooked', amount: '100.1000', at: '2025-01-01T00:00:00Z' });
  await insertBalance(h, ron, {
    type: 'closingBooked',
    amount: '-12345678901234.5678',
    at: '2025-02-01T00:00:00Z',
  });
  await insertBalance(h, ron, { type: 'interimAvailable', amount: '50.00', at: '2025-01-15T00:00:00Z' });
  await insertTransactions(h, user.user.id, ron, [
    { amount: '1000.10', bookingDate: '2025-01-05T10:00:00Z', counterparty: 'ACME Payroll' },
    { amount: '-0.10', bookingDate: '2025-01-06T10:00:00Z', counterparty: 'Coffee' },
    { amount: '-20.00', bookingDate: '2025-01-31T23:59:59Z', counterparty: 'Coffee' },
    { amount: '-300.00', bookingDate: '2025-02-01T00:00:00Z', counterparty: 'Landlord' },
    { amount: '-999.00', bookingDate: '2025-02-02T00:00:00Z', status: 'pending', counterparty: 'Landlord' },
  ]);
  await insertTransactions(h, user.user.id, eur, [
    { amount: '0.30', bookingDate: '2025-01-10T00:00:00Z', currency: 'EUR', counterparty: 'Coffee' },
  ]);
});
afterAll(() => h?.close());

describe('reads', () => {
  it('accounts.list returns the newest balance of each type as exact decimal strings', async () => {
    const accounts = await user.api.accounts.list();
    const current = accounts.find((a) => a.id === ron);
    expect(current?.consentId).toBe(consent);
    expect(current?.balances.map((b) => [b.type, b.amount])).toEqual([
      ['closingBooked', '-12345678901234.5678'],
      ['interimAvailable', '50.0000'],
    ]);
    expect(current?.balances[0]?.timestamp).toEqual(new Date('2025-02-01T00:00:00Z'));
    expect(accounts.find((a) => a.id === eur)?.balances).toEqual([]);
    expect((await user.api.accounts.list({ consentId: consent })).map((a) => a.id).sort()).toEqual(
      [ron, eur].sort(),
    );
  });

  it('balances.history returns every balance in the range, oldest first', async () => {
    const all = await user.api.balances.history({ accountId: ron });
    expect(all.map((b) => b.amount)).toEqual(['100.1000', '50.0000', '-12345678901234.5678']);
    const january = await user.api.balances.history({ accountId: ron, from: '2025-01-01', to: '2025-02-01' });
    expect(january.map((b) => b.amount)).toEqual(['100.1000', '50.0000']);
  });

  it('insights.cashflow sums booked inflow, outflow and net per month and currency', async () => {
    const flow = await user.api.insights.cashflow({
      from: '2025-01-01',
      to: '2025-03-01',
      interval: 'month',
    });
    expect(
      flow.map((b) => [b.period.toISOString().slice(0, 10), b.currency, b.inflow, b.outflow, b.net, b.count]),
    ).toEqual([
      ['2025-01-01', 'EUR', '0.3000', '0', '0.3000', 1],
      ['2025-01-01', 'RON', '1000.1000', '20.1000', '980.0000', 3],
      ['2025-02-01', 'RON', '0', '300.0000', '-300.0000', 1],
    ]);
    const weeks = await user.api.insights.cashflow({
      from: '2025-01-01',
      to: '2025-01-08',
      interval: 'week',
    });
    // 2025-01-05 is a Sunday (week of Monday 2024-12-30); 2025-01-06 starts the next week.
    expect(weeks.map((b) => [b.period.toISOString().slice(0, 10), b.net])).toEqual([
      ['2024-12-30', '1000.1000'],
      ['2025-01-06', '-0.1000'],
    ]);
  });

  it('insights.topCounterparties ranks by money moved, per currency, booked only', async () => {
    const top = await user.api.insights.topCounterparties({ from: '2025-01-01', to: '2025-03-01', limit: 3 });
    expect(top.map((c) => [c.counterparty, c.currency, c.count, c.net])).toEqual([
      ['ACME Payroll', 'RON', 1, '1000.1000'],
      ['Landlord', 'RON', 1, '-300.0000'],
      ['Coffee', 'RON', 2, '-20.1000'],
    ]);
  });
});
