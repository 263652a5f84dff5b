import { useQueryClient } from '@tanstack/react-query';
import type { RouterOutputs } from '@tenant/client';
import { useTenant } from '@tenant/client/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { createContext, type ReactNode, useContext, useState } from 'react';
import { errorCode } from '../api/errors';
import { session } from '../auth/session';

export type SyncEvent = RouterOutputs['sync']['events'] extends AsyncIterable<infer T> ? T : never;

const LiveSync = createContext<ReadonlyMap<string, SyncEvent>>(new Map());

/**
 * Keeps the signed-in user's `sync.events` subscription open (server-sent events) and makes the
 * app follow it: each event refreshes what the sync changed, so new data appears without a
 * reload, and the latest event per consent is there for status displays. Nothing is replayed
 * by the server, so every (re)connection re-reads everything.
 */
export function LiveSyncProvider({ children }: { children: ReactNode }) {
  const tenant = useTenant();
  const queryClient = useQueryClient();
  const [latest, setLatest] = useState<ReadonlyMap<string, SyncEvent>>(new Map());

  const refreshData = () => {
    for (const key of [
      tenant.consents.pathKey(),
      tenant.accounts.pathKey(),
      tenant.balances.pathKey(),
      tenant.transactions.pathKey(),
      tenant.insights.pathKey(),
      tenant.sync.runs.pathKey(),
    ]) {
      void queryClient.invalidateQueries({ queryKey: key });
    }
  };

  useSubscription(
    tenant.sync.events.subscriptionOptions(undefined, {
      onStarted: refreshData,
      onError: (error) => {
        if (errorCode(error) === 'UNAUTHORIZED') session.expire();
      },
      onData: (event) => {
        setLatest((previous) => new Map(previous).set(event.consentId, event));
        // The run's start changes only its status; pages and the end change data too.
        if (event.outcome !== 'RUNNING' || event.inserted + event.updated + event.removed > 0) refreshData();
        else void queryClient.invalidateQueries({ queryKey: tenant.consents.pathKey() });
      },
    }),
  );

  return <LiveSync.Provider value={latest}>{children}</LiveSync.Provider>;
}

/** The latest live event of a consent, if one arrived since the page loaded. */
export function useLiveSync(consentId: string): SyncEvent | undefined {
  return useContext(LiveSync).get(consentId);
}

/** Consents syncing right now. */
export function useRunningSyncs(): SyncEvent[] {
  return [...useContext(LiveSync).values()].filter((event) => event.outcome === 'RUNNING');
}
