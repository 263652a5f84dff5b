export {
  afterBackfill,
  afterWalk,
  type IncrementalCursor,
  parseCursor,
  type SyncCursor,
  SyncCursorSchema,
} from './cursor';
export {
  classifyError,
  type Disposition,
  describeShape,
  dispositionOf,
  ERROR_CLASSES,
  type ErrorClass,
  SyncAbortedError,
  SyncError,
} from './errors';
export type {
  DataAuth,
  FinqwarePort,
  FqAccount,
  FqBalance,
  FqTransaction,
  TransactionPage,
} from './finqware';
export { sweepPayments } from './payments/sweep-payments';
export {
  type PaymentSecretsReader,
  type PaymentStatusPort,
  type PaymentTrackerDeps,
  type PollResult,
  pollPayment,
} from './payments/track-payment';
export {
  type ConsentSecretsReader,
  createSyncEngine,
  type EngineLogger,
  type SyncEngine,
  type SyncEngineDeps,
  type SyncEngineOptions,
  type SyncRequest,
  type SyncResult,
} from './sync-consent';
export type { RunCounts, RunOutcome } from './writers/consents';
export {
  compileRawUpsert,
  dedupeRows,
  type TransactionRow,
  toTransactionRow,
  transactionColumns,
} from './writers/transactions';
