import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../src/index';
import { type ConsentPair, consentAuth, dataAuth, expectError, mint, post, transactions } from './helpers';

let sb: RunningSandbox;
let pair: ConsentPair;
let all: any[];
beforeAll(async () => {
  sb = await startSandbox({
    seed: 'data',
    clock: { now: '2025-06-01T12:00:00Z' },
    history: { transactionsPerAccount: 1500, days: 365 },
  });
  pair = await mint(sb, 'user-data');
  all = (await transactions(sb, pair)).body;
});
afterAll(() => sb.close());

const cents = (s: string) => Math.round(Number(s) * 100);

describe('accounts and balances', () => {
  it('returns 1–4 accounts with IBAN + BICFI schemes and embedded balances', async () => {
    const r = await post(sb.apiUrl, '/accounts/get', dataAuth(pair));
    expect(r.status).toBe(200);
    expect(r.body.length).toBeGreaterThanOrEqual(1);
    expect(r.body.length).toBeLessThanOrEqual(4);
    for (const a of r.body) {
      expect(a.data.account_schemes.map((s: any) => s.scheme_name)).toEqual(['IBAN', 'BICFI']);
      expect(a.data.account_schemes[0].identification).toMatch(/^RO\d{2}RZBR[0-9]{16}$/);
      expect(a.servicer_name).toBe('Raiffeisen Bank Romania');
      for (const b of a.data.balances) {
        expect(b.balance_amount).toMatch(/^\d+\.\d{2}$/);
        expect(['credit', 'debit']).toContain(b.credit_debit_indicator);
      }
    }
  });

  it('returns several balance types and honours the balances filter', async () => {
    const r = await post(sb.apiUrl, '/balances/get', dataAuth(pair));
    const types = new Set(r.body.map((b: any) => b.data.type));
    expect([...types].sort()).toEqual(['ClosingBooked', 'Expected', 'InterimAvailable', 'InterimBooked']);
    for (const b of r.body) expect(b.data.amount).toMatch(/^\d+\.\d{2}$/);
    const accountId = r.body[0].account_id;
    const f = await post(sb.apiUrl, '/balances/get', {
      ...dataAuth(pair),
      filter: { type: 'Expected', account_id: accountId },
    });
    expect(f.body).toHaveLength(1);
    expect(f.body[0].data.type).toBe('Expected');
    expectError(
      await post(sb.apiUrl, '/balances/get', { ...dataAuth(pair), filter: { typo: 1 } }),
      400,
      'invalid_field',
    );
  });

  it('the InterimBooked balance equals the running balance of the last booked transaction', async () => {
    const balances = (
      await post(sb.apiUrl, '/balances/get', { ...dataAuth(pair), filter: { type: 'InterimBooked' } })
    ).body;
    for (const b of balances) {
      const booked = all.filter((t) => t.account_id === b.account_id && t.data.status === 'booked');
      const last = booked[booked.length - 1];
      const signed = b.data.credit_debit_indicator === 'debit' ? `-${b.data.amount}` : b.data.amount;
      expect(last.data.balance).toBe(signed);
    }
  });
});

describe('transactions', () => {
  it('have the documented shape: positive 2-decimal amounts, direction, running balance, utx_id', () => {
    expect(all.length).toBeGreaterThan(1400);
    for (const t of all.slice(0, 500)) {
      expect(t.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(t.utx_id).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(t.data.amount).toMatch(/^\d+\.\d{2}$/);
      expect(t.data.booking_date_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(t.timestamp).toBe('2025-06-01T12:00:00Z'); // historical rows carry the consent creation time
    }
    const ids = new Set(all.map((t) => t.id));
    const utx = new Set(all.map((t) => t.utx_id));
    expect(ids.size).toBe(all.length);
    expect(utx.size).toBe(all.length);
  });

  it('include identical twins (same content, same day) with distinct id and utx_id, and pending rows', () => {
    const key = (t: any) =>
      `${t.account_id}|${t.data.booking_date_time}|${t.data.amount}|${t.data.info}|${t.data.details.merchant}`;
    const seen = new Map<string, number>();
    for (const t of all) seen.set(key(t), (seen.get(key(t)) ?? 0) + 1);
    expect([...seen.values()].filter((n) => n >= 2).length).toBeGreaterThan(0);
    expect(all.some((t) => t.data.status === 'pending' && t.data.balance === null)).toBe(true);
    const kinds = new Set(all.map((t) => t.data.details.tags[0]));
    expect(kinds).toContain('card');
    expect(kinds).toContain('transfer_out');
  });

  it('running balances chain: each booked balance = previous + signed amount', () => {
    const byAccount = new Map<string, any[]>();
    for (const t of all) byAccount.set(t.account_id, [...(byAccount.get(t.account_id) ?? []), t]);
    for (const rows of byAccount.values()) {
      let prev: number | undefined;
      for (const t of rows.filter((r) => r.data.status === 'booked')) {
        const bal = cents(t.data.balance);
        const signed =
          t.data.credit_debit_indicator === 'debit' ? -cents(t.data.amount) : cents(t.data.amount);
        if (prev !== undefined) expect(bal - prev).toBe(signed);
        prev = bal;
      }
    }
  });

  const cases: [string, Record<string, unknown>, (t: any) => boolean][] = [
    ['status', { status: 'pending' }, (t) => t.data.status === 'pending'],
    [
      'credit_debit_indicator',
      { credit_debit_indicator: 'credit' },
      (t) => t.data.credit_debit_indicator === 'credit',
    ],
    ['category', { category: 'groceries' }, (t) => t.data.details.category === 'groceries'],
    ['gte', { gte: 100.5 }, (t) => cents(t.data.amount) >= 10050],
    ['gt', { gt: 100.5 }, (t) => cents(t.data.amount) > 10050],
    ['lte', { lte: 20 }, (t) => cents(t.data.amount) <= 2000],
    ['lt', { lt: 20.001 }, (t) => cents(t.data.amount) <= 2000],
    [
      'booking_date_gte/_lt',
      { booking_date_gte: '2025-03-01T00:00:00Z', booking_date_lt: '2025-04-01T00:00:00Z' },
      (t) => t.data.booking_date_time >= '2025-03-01' && t.data.booking_date_time < '2025-04-01',
    ],
    [
      'booking_date_gt/_lte (naive)',
      { booking_date_gt: '2025-03-01T00:00:00', booking_date_lte: '2025-03-02T00:00:00Z' },
      (t) =>
        t.data.booking_date_time > '2025-03-01T00:00:00Z' &&
        t.data.booking_date_time <= '2025-03-02T00:00:00Z',
    ],
    [
      'booking_date_eq (date only = whole day)',
      { booking_date_eq: '2025-03-05' },
      (t) => t.data.booking_date_time.startsWith('2025-03-05'),
    ],
    ['timestamp_gte', { timestamp_gte: '2025-06-01T12:00:00Z' }, () => true],
    ['timestamp_gt', { timestamp_gt: '2025-06-01T12:00:00Z' }, () => false],
    ['timestamp_lt', { timestamp_lt: '2025-06-01T12:00:00Z' }, () => false],
    ['timestamp_lte', { timestamp_lte: '2025-06-01T12:00:00Z' }, () => true],
  ];
  for (const [name, filter, predicate] of cases) {
    it(`filter ${name} returns exactly the matching rows`, async () => {
      const r = await transactions(sb, pair, filter);
      expect(r.status).toBe(200);
      expect(r.body.map((t: any) => t.id)).toEqual(all.filter(predicate).map((t) => t.id));
    });
  }

  it('filter eq compares exactly as decimals, and filters AND-combine', async () => {
    const sample = all.find((t) => t.data.status === 'booked')!;
    const eq = await transactions(sb, pair, {
      eq: Number(sample.data.amount),
      account_id: sample.account_id,
    });
    expect(eq.body.map((t: any) => t.id)).toEqual(
      all
        .filter((t) => t.data.amount === sample.data.amount && t.account_id === sample.account_id)
        .map((t) => t.id),
    );
    expect((await transactions(sb, pair, { eq: Number(sample.data.amount) + 0.001 })).body).toEqual([]);
    const acc = all[0].account_id;
    const cur = all[0].data.currency;
    const combined = await transactions(sb, pair, {
      account_id: acc,
      currency: cur,
      credit_debit_indicator: 'debit',
      gte: 10,
    });
    expect(combined.body.map((t: any) => t.id)).toEqual(
      all
        .filter(
          (t) =>
            t.account_id === acc && t.data.credit_debit_indicator === 'debit' && cents(t.data.amount) >= 1000,
        )
        .map((t) => t.id),
    );
  });

  it('rejects unknown or ill-typed filter elements, naming the field', async () => {
    const bad = await transactions(sb, pair, { amount_gte: 5 });
    expectError(bad, 400, 'invalid_field');
    expect((bad.body as any).message).toContain('amount_gte');
    expectError(await transactions(sb, pair, { gte: 'lots' }), 400, 'invalid_field');
    expectError(await transactions(sb, pair, { booking_date_gte: 'yesterday' }), 400, 'invalid_field');
  });
});

describe('consent errors', () => {
  it('answers the documented 400/401 codes', async () => {
    expectError(
      await post(sb.apiUrl, '/accounts/get', { ...dataAuth(pair), client_id: 'x' }),
      400,
      'invalid_client_id',
    );
    expectError(
      await post(sb.apiUrl, '/accounts/get', { ...dataAuth(pair), client_secret: 'x' }),
      401,
      'invalid_client_secret',
    );
    expectError(
      await post(sb.apiUrl, '/accounts/get', { ...dataAuth(pair), access_token: 'x' }),
      401,
      'invalid_access_token',
    );
    expectError(
      await post(sb.apiUrl, '/accounts/get', {
        ...dataAuth(pair),
        credentials_id: '00000000-0000-4000-8000-000000000000',
      }),
      401,
      'invalid_credentials_id',
    );
    expectError(
      await post(sb.apiUrl, '/accounts/get', { ...dataAuth(pair), tenant_user_id: 'someone-else' }),
      401,
      'invalid_credentials_id',
    );
    expectError(await post(sb.apiUrl, '/accounts/get', consentAuth(pair)), 400, 'missing_fields');
  });

  it('delete is idempotent and makes data calls answer 401 inactive_credentials', async () => {
    const c = await mint(sb, 'user-delete');
    expectError(
      await post(sb.apiUrl, '/consents/delete', { ...consentAuth(c), pcd_data_retention: -1 }),
      400,
      'invalid_pcd_data_retention',
    );
    const del = await post(sb.apiUrl, '/consents/delete', { ...consentAuth(c), pcd_data_retention: 0 });
    expect(del.body).toMatchObject({
      code: 'credentials_deleted',
      op_type: 'delete',
      result: { credentials_id: c.credentialsId, status: 'DELETED' },
    });
    expect((await post(sb.apiUrl, '/consents/delete', consentAuth(c))).status).toBe(200);
    expect((await post(sb.apiUrl, '/consents/get', consentAuth(c))).body.result.status).toBe('DELETED');
    for (const path of ['/accounts/get', '/balances/get', '/transactions/get']) {
      expectError(await post(sb.apiUrl, path, dataAuth(c)), 401, 'inactive_credentials');
    }
  });
});

describe('truth', () => {
  it('matches what the data endpoints return', async () => {
    const truth = sb.control.truth({ credentialsId: pair.credentialsId });
    expect(truth.consents).toHaveLength(1);
    const fromTruth = truth.consents[0]!.accounts.flatMap((a) =>
      a.transactions!.map((t) => ({
        id: t.id,
        account: a.accountId,
        status: t.status,
        amount: t.amount,
        currency: t.currency,
        bookingDate: t.bookingDate,
      })),
    );
    const fromApi = all.map((t) => ({
      id: t.id,
      account: t.account_id,
      status: t.data.status,
      amount: t.data.credit_debit_indicator === 'debit' ? `-${t.data.amount}` : t.data.amount,
      currency: t.data.currency,
      bookingDate: t.data.booking_date_time,
    }));
    expect(fromTruth).toEqual(fromApi);
    const http: any = await fetch(
      `${sb.url}/_sandbox/truth?credentialsId=${pair.credentialsId}&summary=1`,
    ).then((r) => r.json());
    expect(http.consents[0].accounts.reduce((n: number, a: any) => n + a.transactionCount, 0)).toBe(
      all.length,
    );
  });
});

describe('determinism and sharing', () => {
  it('the same seed gives the same bank data; two consents of one user share utx_id but not id', async () => {
    const other = await startSandbox({
      seed: 'data',
      clock: { now: '2025-06-01T12:00:00Z' },
      history: { transactionsPerAccount: 1500, days: 365 },
    });
    try {
      const again = await mint(other, 'user-data');
      const rows = (await transactions(other, again)).body;
      const strip = (t: any) => ({ utx: t.utx_id, data: t.data, ts: t.timestamp });
      expect(rows.map(strip)).toEqual(all.map(strip));
      const second = await mint(sb, 'user-data');
      const rows2 = (await transactions(sb, second)).body;
      expect(rows2.map((t: any) => t.utx_id)).toEqual(all.map((t) => t.utx_id));
      expect(rows2.some((t: any, i: number) => t.id === all[i].id)).toBe(false);
      const different = await startSandbox({ seed: 'another', clock: { now: '2025-06-01T12:00:00Z' } });
      try {
        const c = await mint(different, 'user-data');
        const r = (await transactions(different, c)).body;
        expect(r[0].utx_id).not.toBe(all[0].utx_id);
      } finally {
        await different.close();
      }
    } finally {
      await other.close();
    }
  });
});

describe('1M transactions per consent', () => {
  it('answers a one-day window without materialising the history', async () => {
    const big = await startSandbox({ seed: 'big', clock: { now: '2025-06-01T12:00:00Z' } });
    try {
      const heapBefore = process.memoryUsage().heapUsed;
      const c = await mint(big, 'user-big', { transactionsPerAccount: 1_000_000 });
      const r = await transactions(big, c, {
        booking_date_gte: '2025-01-10T00:00:00Z',
        booking_date_lt: '2025-01-10T06:00:00Z',
      });
      expect(r.status).toBe(200);
      const accounts = big.control.truth({ credentialsId: c.credentialsId, summary: true }).consents[0]!
        .accounts;
      // ~1M/365 rows per day per account, a quarter of a day.
      expect(r.body.length).toBeGreaterThan(accounts.length * 500);
      expect(r.body.length).toBeLessThan(accounts.length * 1000);
      expect(accounts.every((a) => a.transactionCount > 950_000)).toBe(true);
      // The history itself is never held: growth is bounded well below one row object per transaction.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(150 * 1024 * 1024);
    } finally {
      await big.close();
    }
  });
});
