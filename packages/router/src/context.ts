import type { EntityManager } from '@mikro-orm/postgresql';
import type { SessionCache } from './auth/session-cache';
import type { FinqwarePort, Logger, RouterConfig, SyncEventsPort, SyncJobsPort, VaultPort } from './ports';

export type RequestMeta = {
  /** Client address as seen by the api (after any trusted proxy handling). */
  ip: string;
  headers: Record<string, string | string[] | undefined>;
};

export type ProcedureObservation = { path: string; type: string; code: string; durationMs: number };

export type AuthedUser = { id: string; email: string; tenantUserId: string };

export type ContextDeps = {
  /** One EntityManager fork per request; the router never uses the global one. */
  em: EntityManager;
  fq: FinqwarePort;
  jobs: SyncJobsPort;
  vault: VaultPort;
  config: RouterConfig;
  logger: Logger;
  clock?: () => Date;
  observe?: (observation: ProcedureObservation) => void;
  /** Verified tokens shared by this process's requests; without it every request looks its token up. */
  sessions?: SessionCache;
  /** Live sync events (`sync.events`); without it that subscription is refused. */
  syncEvents?: SyncEventsPort;
};

export type Context = Omit<ContextDeps, 'clock'> & {
  clock: () => Date;
  requestMeta: RequestMeta;
  user?: AuthedUser;
  tokenId?: string;
};

export function createContext(deps: ContextDeps & { requestMeta: RequestMeta }): Context {
  return { ...deps, clock: deps.clock ?? (() => new Date()) };
}

export function bearerToken(meta: RequestMeta): string | undefined {
  const header = meta.headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  const match = value?.match(/^Bearer\s+([A-Za-z0-9_-]{16,200})\s*$/);
  return match?.[1];
}
