import { badRequest } from './errors';

/**
 * A transactions page cursor: the (booking_date, id) of the last row served. It is opaque to
 * clients (base64url JSON) but validated strictly, because its parts go into SQL as parameters.
 * The date keeps PostgreSQL's microseconds: a JS Date would round them and skip or repeat rows.
 */
export type TransactionCursor = { bookingDate: string; id: string };

const BOOKING_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A calendar instant PostgreSQL can take: V8's Date.parse rolls `2024-02-30` over to March 1st and
 * accepts year 0, both of which PostgreSQL refuses ("date/time field value out of range").
 */
function isRealInstant(value: string): boolean {
  const ms = Date.parse(value);
  return (
    !Number.isNaN(ms) &&
    value.slice(0, 4) !== '0000' &&
    new Date(ms).toISOString().slice(0, 19) === value.slice(0, 19)
  );
}

export function encodeCursor(cursor: TransactionCursor): string {
  return Buffer.from(JSON.stringify([cursor.bookingDate, cursor.id]), 'utf8').toString('base64url');
}

export function decodeCursor(value: string): TransactionCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor', 'is not a cursor returned by transactions.list');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string' ||
    !BOOKING_DATE.test(parsed[0]) ||
    !isRealInstant(parsed[0]) ||
    !UUID.test(parsed[1])
  ) {
    throw badRequest('cursor', 'is not a cursor returned by transactions.list');
  }
  return { bookingDate: parsed[0], id: parsed[1] };
}
