import { z } from 'zod';

/**
 * The resume point of a consent's transaction sync, stored in `user_skills.sync_cursor` and
 * written in the same database transaction as the page it follows, so it never runs ahead of
 * (or behind) the rows that are committed.
 *
 * - `{}` (or anything unparsable): nothing synced yet, start a backfill.
 * - `backfill`: walking booking-date windows backwards; `before` is the next window's upper bound.
 *   `startedAt` is when the backfill began and `maxTimestamp` the newest insert time seen so far.
 * - `incremental`: ask for rows inserted at or after `after` (already moved back by the overlap).
 */
export const SyncCursorSchema = z.discriminatedUnion('phase', [
  z.object({
    phase: z.literal('backfill'),
    before: z.string().nullable(),
    startedAt: z.string(),
    maxTimestamp: z.string().nullable(),
  }),
  z.object({
    phase: z.literal('incremental'),
    after: z.string(),
  }),
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

/**
 * The next incremental cursor after a walk that started at `walkStartedAt` (our clock) and saw
 * rows inserted up to `maxTimestamp` (Finqware's clock): the later of the two, moved back by the
 * overlap. The overlap absorbs rows that become visible after rows with a later insert time, and
 * clock skew between Finqware and us up to its length; rows it re-reads are no-ops for the upsert.
 */
export function nextIncrementalAfter(
  walkStartedAt: string,
  maxTimestamp: string | null,
  overlapMs: number,
): string {
  const base = laterOf(walkStartedAt, maxTimestamp) ?? walkStartedAt;
  return new Date(Date.parse(base) - overlapMs).toISOString();
}
