import { z } from 'zod';
import { SYNC_OUTCOMES } from './entities/enums';

/**
 * Live sync progress, from the worker to every api instance: the worker `NOTIFY`s this channel
 * after each committed step of a consent sync, and each api instance `LISTEN`s on one connection
 * and hands the events to its subscribers of the same user. Both sides agree on the channel and
 * the payload here, as they do on queue contracts in jobs.ts.
 */
export const SYNC_EVENTS_CHANNEL = 'tenant_sync_events';

export const syncEventSchema = z.object({
  userId: z.uuid(),
  consentId: z.uuid(),
  runId: z.uuid(),
  /** RUNNING while pages are written (counts so far), then the run's final outcome. */
  outcome: z.enum(SYNC_OUTCOMES),
  accountsSynced: z.number().int().nonnegative(),
  inserted: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  removed: z.number().int().nonnegative(),
  at: z.iso.datetime(),
});
export type SyncEvent = z.infer<typeof syncEventSchema>;

/** The NOTIFY payload (PostgreSQL limits it to 8000 bytes; this is ~250). */
export function syncEventPayload(event: SyncEvent): string {
  return JSON.stringify(syncEventSchema.parse(event));
}

/** A payload read from the channel, or null when it is not a sync event (never throws). */
export function parseSyncEvent(payload: string | undefined): SyncEvent | null {
  if (!payload) return null;
  try {
    const parsed = syncEventSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
