/**
 * `@tenant/router/testing`: the router wired as the api wires it, for this package's tests and for
 * packages that test through the router (stress). Kept out of the main entry so servers never load
 * it; it imports @tenant/finqware-sandbox, an optional peer that only users of this entry install.
 */

export { createAccount, createConsent, insertBalance, insertTransactions, type TxSeed } from './fixtures';
export {
  CONSENT_SYNC_QUEUE,
  captureLogger,
  createHarness,
  type Harness,
  type HarnessOptions,
  type LogLine,
  PASSWORD,
  type QueuedSyncJob,
  type RouterCaller,
  type SignedUpUser,
} from './harness';
export { sql } from './sql';
