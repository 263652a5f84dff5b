import { z } from 'zod';
import { isCommonPassword } from './auth/common-passwords';

/** Input schemas shared by the routers; each failure names its field through the error formatter. */

export const id = z.uuid({ message: 'must be an id (uuid)' });

/** In `u` mode a surrogate pair is one code point, so this matches only a lone (unpaired) surrogate. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Free text: no NUL (PostgreSQL text cannot hold it, and the driver's error would be a 500) and no
 * lone UTF-16 surrogate (it has no UTF-8 form: the driver would silently store U+FFFD instead).
 */
export const text = () =>
  z.string().refine((value) => !value.includes('\u0000') && !LONE_SURROGATE.test(value), {
    message: 'must not contain NUL characters or unpaired surrogates',
  });

export const email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: 'must be an email address' }))
  .transform((value) => value.toLowerCase());

const PASSWORD_MIN_LENGTH = 10;

export const newPassword = text()
  .min(PASSWORD_MIN_LENGTH, { message: `must be at least ${PASSWORD_MIN_LENGTH} characters` })
  .max(200, { message: 'must be at most 200 characters' })
  .refine((password) => !isCommonPassword(password, PASSWORD_MIN_LENGTH), {
    message: 'is one of the most common passwords, the first an attacker tries: choose another',
  });

export const credentials = z.object({ email, password: newPassword });
export const loginInput = z.object({ email, password: text().min(1).max(200) });

// JavaScript dates reach ±275,760 years; PostgreSQL timestamptz does not, and years outside
// 1–9999 are never a meaningful query of bank data, so they are rejected here instead of in SQL.
const EARLIEST = Date.parse('0001-01-01T00:00:00Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/** Dates arrive as Date (superjson) or ISO-8601 strings (plain JSON callers). */
export const instant = z
  .union([z.date(), z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => (value instanceof Date ? value : new Date(value)))
  .refine((value) => !Number.isNaN(value.getTime()), { message: 'must be a valid date' })
  .refine((value) => value.getTime() >= EARLIEST && value.getTime() <= LATEST, {
    message: 'must be a date between the years 1 and 9999',
  });

/** Exact decimal strings (numeric(20,4) range); compared as numeric in SQL, never as floats. */
export const decimal = z.string().regex(/^-?\d{1,16}(\.\d{1,4})?$/, {
  message: 'must be a decimal string like "-12.50" (up to 4 decimals)',
});

export const dateRange = z
  .object({ from: instant.optional(), to: instant.optional() })
  .refine((range) => !range.from || !range.to || range.from < range.to, {
    message: 'must be after from',
    path: ['to'],
  });

export const connectStartInput = z.object({ skillId: id });
export const connectSessionInput = z.object({ sessionId: id });
export const connectSubmitInput = z.object({
  sessionId: id,
  stepId: id,
  values: z.record(text().max(64), text().max(500)).default({}),
});
