export { type ConsentCheckResult, checkConsents } from './consent-check';
export { createConsentSyncHandler, failWithDelay } from './consent-sync';
export { type DeadLetter, listDeadLetters, redriveDeadLetters } from './dlq';
export { type FanOutOptions, fanOut } from './fanout';
export type { Logger } from './logger';
export { createWorkerMetrics, type WorkerMetrics } from './metrics';
export { vaultSecretsReader } from './secrets';
export { CONSENT_CHECK_CRON, startWorker, type Worker, type WorkerDeps } from './worker';
