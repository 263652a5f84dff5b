import { parseSyncEvent, SYNC_EVENTS_CHANNEL } from '@tenant/domain';
import type { SyncEventHub } from '@tenant/router';
import type { Logger } from '@tenant/runtime';
import pg from 'pg';

export type SyncEventListener = {
  /** Resolves once the first LISTEN is in place. */
  ready: Promise<void>;
  /** Stops listening and releases the connection. */
  close(): Promise<void>;
};

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * One dedicated PostgreSQL connection per api process that LISTENs for the worker's sync events
 * and hands each to the hub, which delivers it to that user's subscriptions in this process. So N
 * api instances each hear every event and each serves its own subscribers. If the connection
 * drops, current subscriptions are interrupted (clients reconnect and re-read what they may have
 * missed) and the listener reconnects with backoff.
 */
export function listenForSyncEvents(opts: {
  connectionString: string;
  hub: SyncEventHub;
  logger: Logger;
}): SyncEventListener {
  const { hub, logger } = opts;
  let client: pg.Client | undefined;
  let closing = false;
  let retryMs = RETRY_MIN_MS;
  let retryTimer: NodeJS.Timeout | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const lost = (err: Error | undefined, current: pg.Client) => {
    if (client !== current) return; // already handled
    client = undefined;
    current.removeAllListeners();
    current.on('error', () => {});
    void current.end().catch(() => {});
    if (closing) return;
    logger.warn({ err: err?.message, retryMs }, 'sync events: listen connection lost');
    hub.interrupt();
    retryTimer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };

  async function connect() {
    retryTimer = undefined;
    const next = new pg.Client({
      connectionString: opts.connectionString,
      application_name: 'tenant-api-sync-events',
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    client = next;
    next.on('error', (err) => lost(err, next));
    next.on('end', () => lost(undefined, next));
    next.on('notification', (message) => {
      if (message.channel !== SYNC_EVENTS_CHANNEL) return;
      const event = parseSyncEvent(message.payload);
      if (event) hub.publish(event);
      else logger.warn({ channel: message.channel }, 'sync events: unreadable payload ignored');
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${SYNC_EVENTS_CHANNEL}`);
      if (client !== next) return;
      retryMs = RETRY_MIN_MS;
      markReady();
      logger.debug({}, 'sync events: listening');
    } catch (err) {
      lost(err as Error, next);
    }
  }

  void connect();
  return {
    ready,
    async close() {
      closing = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}
