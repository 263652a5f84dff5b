/**
 * How a range of instants is tiled by the rollups: the whole UTC months inside it, the whole UTC
 * days inside it but outside those months, and the instants left at either end (read from the
 * transactions). Each part is a list of half-open spans, empty when the range has no such part,
 * so a query reads each rollup only where no coarser one answers, and every instant exactly once.
 */

export type Range = { from: Date; to: Date };

/** [first, end) as YYYY-MM-DD days (or first days of months). */
export type DateSpan = { first: string; end: string };

/** [first, end) as instants. */
export type InstantSpan = { first: Date; end: Date };

export type Tiling = { months: DateSpan[]; days: DateSpan[]; cuts: InstantSpan[] };

const DAY_MS = 86_400_000;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** UTC day and month boundaries at or after (before) an instant, in ms. */
const dayAtOrAfter = (at: Date) => Math.ceil(at.getTime() / DAY_MS) * DAY_MS;
const dayAtOrBefore = (at: Date) => Math.floor(at.getTime() / DAY_MS) * DAY_MS;
const monthAtOrBefore = (at: Date) => Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
const monthAtOrAfter = (at: Date) => {
  const start = monthAtOrBefore(at);
  return start === at.getTime() ? start : Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
};

type Span = [number, number];

const nonEmpty = (spans: Span[]) => spans.filter(([a, b]) => a < b);
const dateSpans = (spans: Span[]): DateSpan[] =>
  nonEmpty(spans).map(([a, b]) => ({ first: isoDay(a), end: isoDay(b) }));

/**
 * Splits a range among the rollups a reader has: `months` and `days` say which of the two grains
 * it may read (weekly buckets straddle months, so they are summed from days; counterparties are
 * rolled up by month only).
 */
export function tile(range: Range, grains: { months: boolean; days: boolean }): Tiling {
  const from = range.from.getTime();
  const to = range.to.getTime();
  const month: Span = [monthAtOrAfter(range.from), monthAtOrBefore(range.to)];
  const day: Span = [dayAtOrAfter(range.from), dayAtOrBefore(range.to)];
  const months = grains.months && month[0] < month[1] ? [month] : [];
  // Whole months are whole days too: the days part is what the months leave of the whole days.
  const days: Span[] =
    !grains.days || day[0] >= day[1]
      ? []
      : months.length
        ? [
            [day[0], month[0]],
            [month[1], day[1]],
          ]
        : [day];
  const covered: Span | null = days.length ? day : (months[0] ?? null);
  const cuts: Span[] = covered
    ? [
        [from, covered[0]],
        [covered[1], to],
      ]
    : [[from, to]];
  return {
    months: dateSpans(months),
    days: dateSpans(days),
    cuts: nonEmpty(cuts).map(([a, b]) => ({ first: new Date(a), end: new Date(b) })),
  };
}

/** The first days of the months of a span of whole months, in order ('2026-01-01', '2026-02-01', …). */
export function monthsIn(span: DateSpan): string[] {
  const months: string[] = [];
  const end = new Date(`${span.end}T00:00:00Z`);
  for (let at = new Date(`${span.first}T00:00:00Z`); at < end; at.setUTCMonth(at.getUTCMonth() + 1)) {
    months.push(isoDay(at.getTime()));
  }
  return months;
}
