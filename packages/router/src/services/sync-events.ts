import { EventEmitter, on } from 'node:events';
import type { SyncEvent } from '@tenant/domain';
import { TRPCError } from '@trpc/server';
import type { SyncEventsPort } from '../ports';

export type SyncEventHub = SyncEventsPort & {
  /** Hands an event to every live subscription of its user in this process. */
  publish(event: SyncEvent): void;
  /**
   * Ends every current subscription with a retryable error, so clients reconnect and re-read
   * what they may have missed (the api calls it when its LISTEN connection drops).
   */
  interrupt(): void;
  /** interrupt(), and refuse new subscriptions (server shutdown). */
  close(): void;
  /** Live subscriptions in this process. */
  size(): number;
};

const restarting = () =>
  new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'Live updates were interrupted: reconnect' });

/**
 * One process's fan-out of sync events to its subscribers, keyed by user: a subscription only
 * ever sees its own user's events. Subscribers are buffered async iterators (node's `on`), so a
 * slow reader loses nothing and a fast publisher never waits.
 */
export function createSyncEventHub(): SyncEventHub {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let generation = new AbortController();
  let closed = false;
  const key = (userId: string) => `user:${userId}`;

  return {
    publish(event) {
      emitter.emit(key(event.userId), event);
    },
    async *subscribe(userId, signal) {
      if (closed) throw restarting();
      const interrupted = generation.signal;
      try {
        for await (const [event] of on(emitter, key(userId), {
          signal: AbortSignal.any([signal, interrupted]),
        })) {
          yield event as SyncEvent;
        }
      } catch (err) {
        if (signal.aborted) return; // the client went away
        if (interrupted.aborted) throw restarting();
        throw err;
      }
    },
    interrupt() {
      generation.abort();
      generation = new AbortController();
    },
    close() {
      closed = true;
      generation.abort();
    },
    size() {
      let n = 0;
      // node's `on` also listens for 'error': count only the per-user keys.
      for (const name of emitter.eventNames())
        if (String(name).startsWith('user:')) n += emitter.listenerCount(name);
      return n;
    },
  };
}
