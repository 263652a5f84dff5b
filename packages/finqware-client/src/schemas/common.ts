import { z } from 'zod';
import { NAIVE_TIMESTAMPS_ARE_UTC } from '../spec-choices';

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Normalises a wire date-time to ISO-8601 UTC with 'Z'. Naive times are UTC (§3.5 example); fractional
 * digits are kept as sent (microseconds survive, so a timestamp can serve as an exact resume cursor).
 * Returns undefined for anything that is not an ISO date or date-time.
 */
export function normalizeUtc(value: string): string | undefined {
  const m = ISO.exec(value.trim());
  if (!m) return undefined;
  const [, date, hm, secs, zone] = m;
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`))) return undefined;
  const time = hm ? `${hm}${secs ?? ':00'}` : '00:00:00';
  const upper = zone?.toUpperCase();
  if (upper === 'Z' || upper === '+00:00' || upper === '-00:00' || upper === '+0000' || upper === '-0000') {
    return `${date}T${time}Z`;
  }
  if (upper === undefined) return NAIVE_TIMESTAMPS_ARE_UTC ? `${date}T${time}Z` : undefined;
  const offset = upper.length === 5 ? `${upper.slice(0, 3)}:${upper.slice(3)}` : upper;
  const ms = Date.parse(`${date}T${time}${offset}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export const utcTimestamp = z.string().transform((value, ctx) => {
  const normalized = normalizeUtc(value);
  if (normalized === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO-8601 date-time' });
    return z.NEVER;
  }
  return normalized;
});

/** Money stays a decimal string, exactly as sent; we only check that it is one. */
export const decimalString = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal string');

export const creditDebit = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(['credit', 'debit']));

/**
 * Parses `raw` with a wire schema (unknown fields tolerated, required ones enforced) and maps the result to
 * our camelCase shape, keeping the untouched wire object as `raw`.
 */
export function withRaw<S extends z.ZodType, T>(schema: S, map: (wire: z.output<S>, raw: unknown) => T) {
  return z.unknown().transform((raw, ctx): T => {
    const result = schema.safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
      return z.NEVER;
    }
    return map(result.data, raw);
  });
}

/** Copies only defined values, so optional fields are absent rather than `undefined`. */
export function defined<T extends Record<string, unknown>>(object: T): { [K in keyof T]: T[K] } {
  const out = {} as T;
  for (const key of Object.keys(object) as (keyof T)[]) {
    if (object[key] !== undefined) out[key] = object[key];
  }
  return out;
}
