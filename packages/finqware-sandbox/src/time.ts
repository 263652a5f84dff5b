export const MINUTE = 60_000;
export const DAY = 86_400_000;

const dayPrefix = new Map<number, string>();
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/**
 * `2021-02-01T13:14:52Z`: the format of the spec's examples (whole seconds). Hot path (twice per
 * transaction row), so the date part is cached per day and the time part is plain arithmetic.
 */
export function isoSeconds(ms: number): string {
  const day = Math.floor(ms / DAY);
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY).toISOString().slice(0, 11);
    if (dayPrefix.size > 100_000) dayPrefix.clear();
    dayPrefix.set(day, prefix);
  }
  const secs = Math.floor((ms - day * DAY) / 1000);
  return `${prefix}${TWO[Math.floor(secs / 3600)]}:${TWO[Math.floor(secs / 60) % 60]}:${TWO[secs % 60]}Z`;
}

/** `2020-01-29T07:31:51.689168`: the naive microsecond format of the balances example. */
export function isoNaiveMicros(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000`;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses a utc_datetime; naive values (no zone) are UTC. Returns undefined when unparseable. */
export function parseUtc(value: unknown): { ms: number; dateOnly: boolean } | undefined {
  if (typeof value !== 'string') return undefined;
  if (DATE_ONLY.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : { ms, dateOnly: true };
  }
  if (!DATE_TIME.test(value)) return undefined;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value);
  const ms = Date.parse(hasZone ? value.replace(' ', 'T') : `${value.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? undefined : { ms, dateOnly: false };
}
