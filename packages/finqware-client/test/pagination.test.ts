import { describe, expect, it } from 'vitest';
import { type TransactionPage, walkTransactions } from '../src/pagination';
import type { Transaction } from '../src/schemas/transactions';

const DAY = 86_400_000;
const NOW = Date.parse('2025-06-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function tx(i: number, booking: number, inserted: number): Transaction {
  return {
    id: `t${i}`,
    accountId: 'a',
    timestamp: iso(inserted),
    amount: '1.00',
    bookingDateTime: iso(booking),
    creditDebitIndicator: 'debit',
    currency: 'RON',
    status: 'booked',
    raw: {},
  };
}

/** An in-memory Finqware that applies the documented window filters, counting queries. */
function fakeApi(rows: Transaction[]) {
  const queries: Record<string, string>[] = [];
  const fetchWindow = async (bounds: Record<string, string>) => {
    queries.push(bounds);
    const ms = (v: string) => Date.parse(v);
    return rows.filter((r) => {
      const b = ms(r.bookingDateTime);
      const t = ms(r.timestamp);
      if (bounds.booking_date_gte && b < ms(bounds.booking_date_gte)) return false;
      if (bounds.booking_date_lt && b >= ms(bounds.booking_date_lt)) return false;
      if (bounds.timestamp_gte && t < ms(bounds.timestamp_gte)) return false;
      if (bounds.timestamp_lt && t >= ms(bounds.timestamp_lt)) return false;
      return true;
    });
  };
  return { fetchWindow, queries };
}

async function collect(pages: AsyncIterable<TransactionPage>, limit = Number.POSITIVE_INFINITY) {
  const out: TransactionPage[] = [];
  for await (const page of pages) {
    out.push(page);
    if (out.length >= limit) break;
  }
  return out;
}

// 3 years of history, ~5 rows a day, plus one row after a 4-year gap.
const history: Transaction[] = Array.from({ length: 5000 }, (_, i) =>
  tx(i, NOW - (i * 3 * 365 * DAY) / 5000, NOW - 10 * DAY),
);
history.push(tx(99999, NOW - 8 * 365 * DAY, NOW - 10 * DAY));

describe('transactions.pages by booking_date (backward through the whole history)', () => {
  it('returns every row exactly once, in contiguous windows, ending with one open-ended query', async () => {
    const api = fakeApi(history);
    const pages = await collect(
      walkTransactions(api.fetchWindow, { by: 'booking_date', targetPageSize: 500 }, () => NOW),
    );
    const ids = pages.flatMap((p) => p.items.map((t) => t.id));
    expect(ids).toHaveLength(history.length);
    expect(new Set(ids).size).toBe(history.length);
    expect(pages[0]!.windowEnd).toBe(iso(NOW + DAY));
    for (let i = 1; i < pages.length; i++) expect(pages[i]!.windowEnd).toBe(pages[i - 1]!.windowStart);
    const last = pages.at(-1)!;
    expect(last.windowStart).toBeNull();
    expect(api.queries.at(-1)).toEqual({ booking_date_lt: last.windowEnd });
    expect(api.queries.filter((q) => !q.booking_date_gte)).toHaveLength(1);
  });

  it('adapts the window so pages stay near the target size', async () => {
    const api = fakeApi(history.slice(0, 5000));
    const pages = await collect(
      walkTransactions(api.fetchWindow, { by: 'booking_date', targetPageSize: 500 }, () => NOW),
    );
    const full = pages.slice(1, -1).filter((p) => p.items.length > 0);
    expect(Math.max(...full.map((p) => p.items.length))).toBeLessThanOrEqual(1000);
    expect(pages.length).toBeLessThan(40);
  });

  it('fetches lazily: one page in memory at a time', async () => {
    const api = fakeApi(history);
    await collect(
      walkTransactions(api.fetchWindow, { by: 'booking_date', targetPageSize: 500 }, () => NOW),
      2,
    );
    expect(api.queries).toHaveLength(2);
  });

  it('resumes from any page without missing or repeating rows', async () => {
    const api = fakeApi(history);
    const first = await collect(
      walkTransactions(api.fetchWindow, { by: 'booking_date', targetPageSize: 500 }, () => NOW),
      3,
    );
    const rest = await collect(
      walkTransactions(
        api.fetchWindow,
        { by: 'booking_date', targetPageSize: 500, ...first.at(-1)!.resume },
        () => NOW,
      ),
    );
    const ids = [...first, ...rest].flatMap((p) => p.items.map((t) => t.id));
    expect(ids).toHaveLength(history.length);
    expect(new Set(ids).size).toBe(history.length);
  });

  it('with `after`, stops at that bound without an open-ended query', async () => {
    const api = fakeApi(history);
    const after = iso(NOW - 100 * DAY);
    const pages = await collect(
      walkTransactions(api.fetchWindow, { by: 'booking_date', after, targetPageSize: 200 }, () => NOW),
    );
    const expected = history.filter((t) => Date.parse(t.bookingDateTime) >= Date.parse(after));
    expect(pages.flatMap((p) => p.items)).toHaveLength(expected.length);
    expect(pages.at(-1)!.windowStart).toBe(after);
    expect(api.queries.every((q) => q.booking_date_gte)).toBe(true);
  });
});

describe('transactions.pages by timestamp (forward over insert times)', () => {
  const rows = [
    ...Array.from({ length: 300 }, (_, i) => tx(i, NOW - i * DAY, NOW - 30 * DAY + i * 3_600_000)),
    // Stamped by a Finqware clock 10 minutes ahead of ours.
    tx(1000, NOW, NOW + 10 * 60_000),
  ];

  it('walks from `after` to now, keeps the newest window open-ended, and resumes from the newest row', async () => {
    const api = fakeApi(rows);
    const after = iso(NOW - 31 * DAY);
    const pages = await collect(
      walkTransactions(api.fetchWindow, { by: 'timestamp', after, targetPageSize: 50 }, () => NOW),
    );
    const ids = pages.flatMap((p) => p.items.map((t) => t.id));
    expect(new Set(ids).size).toBe(rows.length);
    expect(ids).toHaveLength(rows.length);
    expect(pages[0]!.windowStart).toBe(after);
    expect(api.queries.at(-1)).toEqual({ timestamp_gte: pages.at(-1)!.windowStart });
    expect(pages.at(-1)!.resume).toEqual({ after: iso(NOW + 10 * 60_000) });

    // Rows inserted later are found by the next walk from the resume point.
    const later = fakeApi([...rows, tx(2000, NOW, NOW + 20 * 60_000)]);
    const next = await collect(
      walkTransactions(
        later.fetchWindow,
        { by: 'timestamp', targetPageSize: 50, ...pages.at(-1)!.resume },
        () => NOW + DAY,
      ),
    );
    expect(next.flatMap((p) => p.items.map((t) => t.id)).sort()).toEqual(['t1000', 't2000']);
  });

  it('with `before`, stops at that bound with a closed window', async () => {
    const api = fakeApi(rows);
    const before = iso(NOW - 20 * DAY);
    const pages = await collect(
      walkTransactions(
        api.fetchWindow,
        { by: 'timestamp', after: iso(NOW - 31 * DAY), before, targetPageSize: 50 },
        () => NOW,
      ),
    );
    expect(pages.flatMap((p) => p.items)).toHaveLength(
      rows.filter((t) => Date.parse(t.timestamp) < Date.parse(before)).length,
    );
    expect(pages.at(-1)!.resume).toEqual({ after: before });
  });

  it('without `after`, reads everything in one query and resumes from the newest row', async () => {
    const api = fakeApi(rows);
    const pages = await collect(
      walkTransactions(api.fetchWindow, { by: 'timestamp', targetPageSize: 50 }, () => NOW),
    );
    expect(pages).toHaveLength(1);
    expect(pages[0]!.items).toHaveLength(rows.length);
    expect(pages[0]!.resume).toEqual({ after: iso(NOW + 10 * 60_000) });
  });

  it('orders microsecond timestamps correctly when choosing the resume point', async () => {
    const a = { ...tx(1, NOW, NOW), timestamp: '2025-06-01T12:00:00.000001Z' };
    const b = { ...tx(2, NOW, NOW), timestamp: '2025-06-01T12:00:00Z' };
    const pages = await collect(
      walkTransactions(
        async () => [a, b],
        { by: 'timestamp', targetPageSize: 50 },
        () => NOW,
      ),
    );
    expect(pages[0]!.resume).toEqual({ after: '2025-06-01T12:00:00.000001Z' });
  });
});
