import type { FaultOptions } from './faults';
import type { SigningOptions } from './signing';

export interface SandboxOptions {
  /** 0 (default) picks a free port. The CLI uses SANDBOX_PORT || 3010. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Seed of all generated bank data. Default 'finqware-sandbox'. */
  seed?: string | number;
  /** Sandbox time at start (default: now). Time stands still until advanced. */
  clock?: { now?: Date | string };
  faults?: FaultOptions;
  history?: {
    /** Transactions per bank account over `days` (a number, or a range drawn per account). Default 200..800. */
    transactionsPerAccount?: number | { min: number; max: number };
    /** Length of the history before the start time. Default 365. */
    days?: number;
  };
  /** consent_duration in minutes (default 129600 = 90 days). */
  consentDurationMinutes?: number;
  /** cache_max_data_retention in minutes (default 172800 = 120 days). */
  cacheMaxDataRetentionMinutes?: number;
  /** Reject unknown body fields with 400 unknown_fields (default true). */
  strictUnknownFields?: boolean;
  /** Public key for the /v1s JWT check. Without it every /v1s call is rejected. */
  signing?: SigningOptions;
  /**
   * Keep consents and the clock across restarts in this JSON file (the CLI: SANDBOX_STATE_FILE).
   * Relative paths resolve against the working directory. Default: nothing is written.
   */
  stateFile?: string;
}
