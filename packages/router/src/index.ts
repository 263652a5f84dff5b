export { domainVault, routerConfigFrom } from './adapters/domain';
export { type PgBossJobsOptions, pgBossJobs } from './adapters/pg-boss';
export { hashBearerToken, hashPassword, passwordHashStats } from './auth/crypto';
export { type CachedSession, createSessionCache, type SessionCache } from './auth/session-cache';
export {
  type Context,
  type ContextDeps,
  createContext,
  type ProcedureObservation,
  type RequestMeta,
} from './context';
export type { ErrorReason, FieldIssue, TenantErrorShape } from './errors';
export { ErrorDetails } from './errors';
export * from './ports';
export type { AppRouter, RouterInputs, RouterOutputs, ServerAppRouter } from './root';
export { appRouter } from './root';
export { type CallbackOutcome, recordBankReturn } from './services/bank-return';
export type { FlowDeps } from './services/connect-flow';
export { createSyncEventHub, type SyncEventHub } from './services/sync-events';
export { transformer } from './transformer';
export { createCallerFactory } from './trpc';
