/**
 * Every reading of finqware-api.md that the spec marks [INFERRED], leaves open, or that we invented.
 * Each one is listed (with its reason) in the README's "Readings of the spec" section; change it here,
 * in one place, if Finqware turns out to behave differently.
 */

/** Paths relative to the base URL (`…/v1` or `…/v1s`). */
export const PATHS = {
  sessionsCreate: '/sessions',
  sessionsSubmitStep: (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}/steps`,
  tokensExchange: '/tokens',
  accountsGet: '/accounts/get',
  balancesGet: '/balances/get',
  transactionsGet: '/transactions/get',
  consentsGet: '/consents/get',
  consentsDelete: '/consents/delete',
  /** [INFERRED] §3.8: the Get-payment path was not recovered; mirrors the other `…/get` reads. */
  paymentsGet: '/payments/get',
  /** INVENTED (§3.10 recovered no Catalogs API): agreed with the sandbox in finqware-contract.md. */
  catalogGet: '/catalogs/get',
} as const;

/**
 * [INFERRED] §3.8: the payment input data object is documented up to `psu_redirect_link`, `psu_id`,
 * `group_header` and the start of `payment_info` (debit side). Below `payment_info[]` we follow
 * ISO 20022 pain.001.001.03 (CustomerCreditTransferInitiationV03), which the page says the structure
 * follows, with its element names in snake_case. Agreed with the sandbox (its README, "Payments").
 */
export const PAYMENT_INPUT_DATA = {
  paymentInfoId: 'payment_info_id',
  requestedExecutionDate: 'requested_execution_date',
  debtorAccount: 'debtor_account',
  creditTransfers: 'credit_transfer_transactions',
  endToEndId: 'end_to_end_id',
  instructedAmount: 'instructed_amount',
  creditor: 'creditor',
  creditorAccount: 'creditor_account',
  remittance: 'remittance_information_unstructured',
} as const;

/**
 * §3.8 says the payment-intent step "requires the client_app_key" but the body table does not list it.
 * We follow the body table (the sandbox may reject unknown fields); flip this if the API asks for it.
 */
export const SEND_CLIENT_APP_KEY_ON_SUBMIT_STEP = false;

/** §2.5: `aud` is "always" api.finqware.com; `kid` is the key file's private_key_id [INFERRED]. */
export const DEFAULT_JWT_AUDIENCE = 'api.finqware.com';
/** §2.5: "each request will have its own JWS so this value should be small". */
export const DEFAULT_JWT_TTL_SECONDS = 300;

/**
 * Error codes that mean the consent behind credentials_id/access_token cannot be used any more and the
 * user must run a new session. §3.11 suggests invalid_access_token/invalid_credentials_id are "a bug or a
 * data-integrity issue"; either way retrying cannot help and re-authorising is the only user-level fix.
 */
export const CONSENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'expired_credentials',
  'inactive_credentials',
  'invalid_access_token',
  'invalid_credentials_id',
]);

/** Finqware's code for a bank that rate-limits us (§3.11); classified like an HTTP 429. */
export const RATE_LIMIT_ERROR_CODES: ReadonlySet<string> = new Set(['external_api_too_many_requests']);

/**
 * Codes that are worth retrying later. Any other `external_api_error` code is transient too (the list is
 * truncated in the spec and the type says "sometimes even with correct input"); that includes the bank's
 * own external_api_unauthorized/forbidden: Finqware reports a dead consent with its own
 * expired_credentials/inactive_credentials, so a bank-side 401/403 is treated as a bank hiccup.
 */
export const TRANSIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'external_api_connection_error',
  'internal_server_error',
  'planned_maintenance',
]);
export const TRANSIENT_ERROR_TYPES: ReadonlySet<string> = new Set(['server_error', 'external_api_error']);

/** retryAfterMs reported on a rate_limit error that carried no Retry-After header. */
export const DEFAULT_RATE_LIMIT_RETRY_AFTER_MS = 30_000;

/** Session status values are an open vocabulary (§3.2); success is detected by a temp_token, never by status. */
export const KNOWN_SESSION_STATUSES = ['SESSION_CREATED', 'SESSION_IN_PROGRESS'] as const;

/**
 * Wire timestamps may lack a zone and carry microseconds (§3.5 example); they are UTC [INFERRED].
 * We append 'Z' and keep the fractional digits as sent, so a timestamp used as a resume cursor loses nothing.
 */
export const NAIVE_TIMESTAMPS_ARE_UTC = true;

/** Transaction walks (see pagination.ts). */
export const PAGINATION = {
  /** First window of a booking-date walk; adapted after every page. */
  initialBookingWindowMs: 30 * 86_400_000,
  /** First window of a timestamp (insert time) walk. */
  initialTimestampWindowMs: 86_400_000,
  minWindowMs: 60_000,
  maxWindowMs: 5 * 366 * 86_400_000,
  /** A window never grows or shrinks by more than this factor from one page to the next. */
  maxGrowth: 4,
  maxShrink: 8,
  /**
   * A backward booking-date walk with no lower bound stops with one open-ended `booking_date_lt` query once
   * this much history in a row came back empty (so a long gap still ends in a query that misses nothing).
   */
  emptySpanBeforeOpenEndMs: 2 * 366 * 86_400_000,
  /** Default upper bound of a booking-date walk: now + 1 day (pending rows may carry tomorrow's date). */
  bookingLookaheadMs: 86_400_000,
  /**
   * A forward timestamp walk closes windows only up to (our now - this); the rest is one open-ended
   * `timestamp_gte` query, so a Finqware clock ahead of or behind ours never hides freshly inserted rows.
   */
  clockSkewAllowanceMs: 5 * 60_000,
} as const;

/** Default transport settings (client-api.md). */
export const DEFAULTS = {
  timeoutMs: 15_000,
  retries: 3,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 60_000,
  targetPageSize: 2000,
} as const;
