import type { Transaction } from './schemas/transactions';
import { PAGINATION } from './spec-choices';

/**
 * Finqware's transactions endpoint has no pagination (full arrays), so a long history is read as a series
 * of date windows of the documented filters. The window size adapts after every page so that pages hold
 * about `targetPageSize` rows; only one page is held in memory at a time.
 */

export interface TransactionPage {
  items: Transaction[];
  /** Inclusive lower bound of the window; null for an open-ended (everything older) query. */
  windowStart: string | null;
  /** Exclusive upper bound of the window (for an open-ended newest window: our clock when it was read). */
  windowEnd: string;
  /** Pass back as `after`/`before` to continue after this page. */
  resume: { after?: string; before?: string };
}

export interface WalkOptions {
  by: 'booking_date' | 'timestamp';
  after?: string;
  before?: string;
  targetPageSize: number;
  signal?: AbortSignal;
}

/** Fetches one window; `bounds` holds snake_case wire filter keys (e.g. booking_date_gte). */
export type FetchWindow = (bounds: Record<string, string>) => Promise<Transaction[]>;

const iso = (ms: number) => new Date(ms).toISOString();

export function nextWindowSize(size: number, rows: number, target: number): number {
  const wanted = rows === 0 ? size * PAGINATION.maxGrowth : (size * target) / rows;
  const bounded = Math.min(size * PAGINATION.maxGrowth, Math.max(size / PAGINATION.maxShrink, wanted));
  return Math.round(Math.min(PAGINATION.maxWindowMs, Math.max(PAGINATION.minWindowMs, bounded)));
}

/** ISO instants with any number of fractional digits, made comparable as strings. */
function sortable(instant: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(instant);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}` : instant;
}

function latest(first: string, items: readonly Transaction[]): string {
  let best = first;
  for (const item of items) if (sortable(item.timestamp) > sortable(best)) best = item.timestamp;
  return best;
}

export async function* walkTransactions(
  fetchWindow: FetchWindow,
  options: WalkOptions,
  now: () => number = Date.now,
): AsyncGenerator<TransactionPage> {
  if (options.by === 'booking_date') yield* walkBookingDates(fetchWindow, options, now);
  else yield* walkInsertTimes(fetchWindow, options, now);
}

/** Backward from `before` (default now + 1 day) to `after`, or to the beginning of the history. */
async function* walkBookingDates(fetchWindow: FetchWindow, options: WalkOptions, now: () => number) {
  const lower = options.after === undefined ? undefined : Date.parse(options.after);
  let end = options.before === undefined ? now() + PAGINATION.bookingLookaheadMs : Date.parse(options.before);
  let size: number = PAGINATION.initialBookingWindowMs;
  let emptySpan = 0;
  while (lower === undefined || end > lower) {
    options.signal?.throwIfAborted();
    const endIso = iso(end);
    if (lower === undefined && (emptySpan >= PAGINATION.emptySpanBeforeOpenEndMs || end - size <= 0)) {
      // One open-ended query: nothing older than the last window can be missed, however long the gap.
      const items = await fetchWindow({ booking_date_lt: endIso });
      yield { items, windowStart: null, windowEnd: endIso, resume: { before: endIso } };
      return;
    }
    const reachesLower = lower !== undefined && end - size <= lower;
    const start = reachesLower ? lower : end - size;
    // Keep the caller's own string for their bound: it may carry more precision than milliseconds.
    const startIso = reachesLower && options.after !== undefined ? options.after : iso(start);
    const items = await fetchWindow({ booking_date_gte: startIso, booking_date_lt: endIso });
    const resume =
      options.after === undefined ? { before: startIso } : { before: startIso, after: options.after };
    yield { items, windowStart: startIso, windowEnd: endIso, resume };
    if (reachesLower) return;
    emptySpan = items.length === 0 ? emptySpan + (end - start) : 0;
    size = nextWindowSize(size, items.length, options.targetPageSize);
    end = start;
  }
}

/** Forward over insert times from `after` to `before`, or to now with an open-ended last window. */
async function* walkInsertTimes(fetchWindow: FetchWindow, options: WalkOptions, now: () => number) {
  const upper = options.before === undefined ? undefined : Date.parse(options.before);
  if (options.after === undefined) {
    options.signal?.throwIfAborted();
    // No cursor yet: there is no lower bound to walk from, so this is a single query.
    const bounds: Record<string, string> =
      options.before === undefined ? {} : { timestamp_lt: options.before };
    const items = await fetchWindow(bounds);
    const windowEnd = options.before ?? iso(now());
    const resumeAfter = options.before ?? (items.length ? latest(items[0]!.timestamp, items) : undefined);
    yield {
      items,
      windowStart: null,
      windowEnd,
      resume: resumeAfter === undefined ? {} : { after: resumeAfter },
    };
    return;
  }
  let startIso = options.after;
  let start = Date.parse(startIso);
  let size: number = PAGINATION.initialTimestampWindowMs;
  for (;;) {
    options.signal?.throwIfAborted();
    const end = start + size;
    if (upper !== undefined && end >= upper) {
      const items = await fetchWindow({ timestamp_gte: startIso, timestamp_lt: options.before! });
      yield { items, windowStart: startIso, windowEnd: options.before!, resume: { after: options.before! } };
      return;
    }
    if (upper === undefined && end >= now() - PAGINATION.clockSkewAllowanceMs) {
      // The newest window stays open at the top so rows stamped by a clock ahead of ours are not missed;
      // resuming from the newest row seen (inclusive) re-reads at most the rows sharing that instant.
      const items = await fetchWindow({ timestamp_gte: startIso });
      yield {
        items,
        windowStart: startIso,
        windowEnd: iso(now()),
        resume: { after: latest(startIso, items) },
      };
      return;
    }
    const endIso = iso(end);
    const items = await fetchWindow({ timestamp_gte: startIso, timestamp_lt: endIso });
    yield { items, windowStart: startIso, windowEnd: endIso, resume: { after: endIso } };
    size = nextWindowSize(size, items.length, options.targetPageSize);
    start = end;
    startIso = endIso;
  }
}
