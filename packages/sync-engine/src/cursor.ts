import { z } from 'zod';

/**
 * The resume point of a consent's transaction sync, stored in `user_skills.sync_cursor` and
 * written in the same database transaction as the page it follows, so it never runs ahead of
 * (or behind) the rows that are committed.
 *
 * - `{}` (or anything unparsable): nothing synced yet, start a backfill.
 * - `backfill`: walking booking-date windows backwards; `before` is the next window's upper bound,
 *   `maxTimestamp` the newest insert time seen so far, `startBound` the newest insert time of the
 *   walk's FIRST page (a lower bound of Finqware's clock when the walk started; null when that page
 *   was empty, or for a cursor written before the field existed).
 * - `incremental`: ask for rows inserted at or after `after` (null: no bound yet, ask for all).
 *   `maxTimestamp` is the newest insert time seen, `readAt` (our clock) when it was first seen.
 *
 * Every bound compared with Finqware's insert times is itself a Finqware insert time: our clock
 * and Finqware's may disagree (the sandbox's clock even stands still until advanced), so our clock
 * is only used to measure how long ago something was read.
 */
const iso = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'an ISO instant');

export const IncrementalCursorSchema = z.object({
  phase: z.literal('incremental'),
  after: iso.nullable(),
  maxTimestamp: iso.nullable(),
  readAt: iso.nullable(),
});
export type IncrementalCursor = z.infer<typeof IncrementalCursorSchema>;

export const BackfillCursorSchema = z.object({
  phase: z.literal('backfill'),
  before: iso.nullable(),
  startedAt: iso,
  maxTimestamp: iso.nullable(),
  startBound: iso.nullable().optional(),
});
export type BackfillCursor = z.infer<typeof BackfillCursorSchema>;

export const SyncCursorSchema = z.discriminatedUnion('phase', [
  BackfillCursorSchema,
  IncrementalCursorSchema,
]);
export type SyncCursor = z.infer<typeof SyncCursorSchema>;

export function parseCursor(value: unknown): SyncCursor | null {
  const parsed = SyncCursorSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function laterOf(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

const shift = (instant: string, ms: number) => new Date(Date.parse(instant) + ms).toISOString();

/**
 * The incremental cursor a finished backfill hands over to.
 *
 * A backfill walks booking dates backwards, so a row inserted after the walk passed its booking
 * window (a new row, or a pending one booked in place) is only read by the incremental walks that
 * follow. Its insert time is at or after Finqware's clock when the walk started, so `after` must not
 * be later than that instant minus the overlap. Only the first page's insert times are known to be
 * at or before it: the newest one over the whole walk is not (a walk that was killed and resumed
 * days later sees rows stamped days later) — starting from it lost the rows inserted in between.
 * With no such bound (empty first page) the next walk reads everything once.
 *
 * `readAt` is when the backfill finished (our clock): its newest row was first read no later, so
 * the "settled" rule of `afterWalk` never fires early.
 */
export function afterBackfill(
  backfill: { startBound: string | null; maxTimestamp: string | null; finishedAt: string },
  overlapMs: number,
) {
  const { startBound, maxTimestamp } = backfill;
  return {
    phase: 'incremental',
    after: startBound === null ? null : shift(startBound, -overlapMs),
    maxTimestamp,
    readAt: backfill.finishedAt,
  } satisfies IncrementalCursor;
}

/** Mid-walk resume point: everything up to the newest row seen minus the overlap is committed. */
export function duringWalk(
  from: IncrementalCursor,
  maxSeen: string | null,
  overlapMs: number,
): IncrementalCursor {
  if (maxSeen === null) return from;
  return { ...from, after: laterOf(from.after, shift(maxSeen, -overlapMs)) };
}

/**
 * The cursor after a complete incremental walk that started at `walkStartedAt` (our clock) and
 * saw rows inserted up to `maxSeen`.
 *
 * - Newer rows arrived: the next walk starts `overlap` before the newest one, so a row that
 *   becomes visible after rows with later insert times (a slower concurrent commit) is still read.
 * - Nothing newer, and the newest row was first read at least `overlap` ago (measured on our
 *   clock): every row up to it was visible during this walk and has been read, so the next walk
 *   starts just after it. Without this an idle consent would re-read its last hour forever (and its
 *   whole history, which Finqware stamps with the consent's creation time).
 * - Otherwise: unchanged.
 * The lower bound never moves backwards.
 */
export function afterWalk(
  from: IncrementalCursor,
  walk: { startedAt: string; maxSeen: string | null },
  overlapMs: number,
): IncrementalCursor {
  const newest = laterOf(from.maxTimestamp, walk.maxSeen);
  if (newest === null) return from;
  const grew = from.maxTimestamp === null || Date.parse(newest) > Date.parse(from.maxTimestamp);
  if (grew) {
    return {
      phase: 'incremental',
      after: laterOf(from.after, shift(newest, -overlapMs)),
      maxTimestamp: newest,
      readAt: walk.startedAt,
    };
  }
  const settled = from.readAt !== null && Date.parse(walk.startedAt) - Date.parse(from.readAt) >= overlapMs;
  if (settled) return { ...from, after: laterOf(from.after, shift(newest, 1)) };
  return from;
}
