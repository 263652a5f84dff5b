import { centsBounds } from '../decimal';
import { ApiError, badRequest } from '../errors';
import { SPEC_CHOICES } from '../spec-choices';
import { DAY, parseUtc } from '../time';

/** A transactions filter, normalised to half-open integer intervals so each row is a few compares. */
export interface TxQuery {
  accountId?: string;
  currency?: string;
  status?: string;
  creditDebit?: string;
  category?: string;
  /** Positive amount in cents, inclusive bounds. */
  centsMin: number;
  centsMax: number;
  /** booking_date_time in ms, [min, max). */
  bookingMin: number;
  bookingMax: number;
  /** insert timestamp in ms, [min, max). */
  tsMin: number;
  tsMax: number;
}

const STRING_KEYS = {
  account_id: 'accountId',
  currency: 'currency',
  status: 'status',
  credit_debit_indicator: 'creditDebit',
  category: 'category',
} as const;
const OPS = ['eq', 'gte', 'gt', 'lte', 'lt'] as const;
type Op = (typeof OPS)[number];

function invalidField(message: string): ApiError {
  return ApiError.of(SPEC_CHOICES.unknownFilterKey, message);
}

function narrowTime(q: { min: number; max: number }, op: Op, value: unknown, field: string): void {
  const parsed = parseUtc(value);
  if (!parsed)
    throw badRequest(
      'invalid_field',
      `filter.${field} must be a utc_datetime string, e.g. "2025-05-03T00:00:00Z"`,
    );
  const { ms } = parsed;
  switch (op) {
    case 'gte':
      q.min = Math.max(q.min, ms);
      break;
    case 'gt':
      q.min = Math.max(q.min, ms + 1);
      break;
    case 'lte':
      q.max = Math.min(q.max, ms + 1);
      break;
    case 'lt':
      q.max = Math.min(q.max, ms);
      break;
    case 'eq': {
      const width = parsed.dateOnly && SPEC_CHOICES.dateOnlyEqMatchesDay ? DAY : 1000;
      const start = parsed.dateOnly ? ms : Math.floor(ms / 1000) * 1000;
      // Rows carry whole seconds: a value with milliseconds matches nothing unless they are zero.
      if (!parsed.dateOnly && ms % 1000 !== 0) {
        q.max = q.min;
        break;
      }
      q.min = Math.max(q.min, start);
      q.max = Math.min(q.max, start + width);
      break;
    }
  }
}

/** A query that filters nothing: every bound open. */
export const NO_LIMIT: Readonly<TxQuery> = {
  centsMin: Number.NEGATIVE_INFINITY,
  centsMax: Number.POSITIVE_INFINITY,
  bookingMin: Number.NEGATIVE_INFINITY,
  bookingMax: Number.POSITIVE_INFINITY,
  tsMin: Number.NEGATIVE_INFINITY,
  tsMax: Number.POSITIVE_INFINITY,
};

export function parseTxFilter(filter: unknown): TxQuery {
  const q: TxQuery = { ...NO_LIMIT };
  if (filter === undefined || filter === null) return q;
  if (typeof filter !== 'object' || Array.isArray(filter))
    throw badRequest('invalid_field', 'filter must be an object');
  const booking = { min: q.bookingMin, max: q.bookingMax };
  const ts = { min: q.tsMin, max: q.tsMax };
  for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
    if (key in STRING_KEYS) {
      if (typeof value !== 'string') throw badRequest('invalid_field', `filter.${key} must be a string`);
      if (key === 'credit_debit_indicator' && value !== 'debit' && value !== 'credit') {
        throw badRequest('invalid_field', 'filter.credit_debit_indicator must be "debit" or "credit"');
      }
      q[STRING_KEYS[key as keyof typeof STRING_KEYS]] = value;
      continue;
    }
    if ((OPS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' && typeof value !== 'string') {
        throw badRequest('invalid_field', `filter.${key} must be a decimal (JSON number)`);
      }
      const b = centsBounds(value);
      if (!b) throw badRequest('invalid_field', `filter.${key} must be a decimal (JSON number)`);
      switch (key as Op) {
        case 'gte':
          q.centsMin = Math.max(q.centsMin, b.ceil);
          break;
        case 'gt':
          q.centsMin = Math.max(q.centsMin, b.floor + 1);
          break;
        case 'lte':
          q.centsMax = Math.min(q.centsMax, b.floor);
          break;
        case 'lt':
          q.centsMax = Math.min(q.centsMax, b.ceil - 1);
          break;
        case 'eq':
          if (b.exact === null) q.centsMax = Number.NEGATIVE_INFINITY;
          else {
            q.centsMin = Math.max(q.centsMin, b.exact);
            q.centsMax = Math.min(q.centsMax, b.exact);
          }
          break;
      }
      continue;
    }
    const m = /^(booking_date|timestamp)_(eq|gte|gt|lte|lt)$/.exec(key);
    if (m) {
      narrowTime(m[1] === 'booking_date' ? booking : ts, m[2] as Op, value, key);
      continue;
    }
    throw invalidField(`filter.${key} is not a transactions filter element`);
  }
  q.bookingMin = booking.min;
  q.bookingMax = booking.max;
  q.tsMin = ts.min;
  q.tsMax = ts.max;
  return q;
}

export interface BalanceQuery {
  accountId?: string;
  type?: string;
  currency?: string;
}

export function parseBalanceFilter(filter: unknown): BalanceQuery {
  if (filter === undefined || filter === null) return {};
  if (typeof filter !== 'object' || Array.isArray(filter))
    throw badRequest('invalid_field', 'filter must be an object');
  const q: BalanceQuery = {};
  for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
    if (key !== 'account_id' && key !== 'type' && key !== 'currency') {
      throw invalidField(`filter.${key} is not a balances filter element (account_id, type, currency)`);
    }
    if (typeof value !== 'string') throw badRequest('invalid_field', `filter.${key} must be a string`);
    q[key === 'account_id' ? 'accountId' : key] = value;
  }
  return q;
}
