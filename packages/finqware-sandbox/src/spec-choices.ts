/**
 * Every reading of the spec that the spec itself marks [INFERRED] or leaves open, defined once.
 * The README's "Readings of the spec" section lists these; change them here, nowhere else.
 */
export const SPEC_CHOICES = {
  /** §3.10: the Catalogs API was never recovered. OUR INVENTION, agreed in finqware-contract.md. */
  catalogPath: '/catalogs/get',
  /** §3.8: "Get payment" path not recovered; mirrors the other `…/get` endpoints. */
  paymentsPath: '/payments/get',
  /** §3.2: a bad, expired or reused nonce has no documented code. 401 `unauthorized/invalid_access_token`. */
  nonceError: { http: 401, type: 'unauthorized', code: 'invalid_access_token' },
  /** §3.2: nonce TTL is documented (30 min); single use is inferred. Sandbox time. */
  nonceTtlMinutes: 30,
  /** §5.5: temp_token lifetime is undocumented. Single use, 10 minutes of sandbox time. */
  tempTokenTtlMinutes: 10,
  /** §3.2: the terminal session status is undocumented (clients detect success by `temp_token`). */
  sessionCompletedStatus: 'SESSION_COMPLETED',
  /** A session whose bank page was denied. Undocumented. */
  sessionFailedStatus: 'SESSION_FAILED',
  /** §3.2 [INFERRED]: failure redirect carries `error=access_denied` and no token. */
  denyRedirectParam: { error: 'access_denied' },
  /** §4.3: defaults of the per tenant-skill parameters (documented defaults, minutes). */
  consentDurationMinutes: 129_600,
  cacheMaxDataRetentionMinutes: 172_800,
  /** §5.3: unknown body fields → 400 `unknown_fields` (configurable with `strictUnknownFields`). */
  strictUnknownFieldsDefault: true,
  /** §5.3: unknown skill id (fails the tolerant regex) → 400 `invalid_skill_name`. */
  skillIdPattern: /^[a-z0-9]+(_[a-z0-9]+)*_#\d+\.\d+$/,
  /**
   * §5.3: a well-formed skill id that is not registered for the tenant app (not in catalog.json, or
   * `enabled: false`) → 401 `unauthorized_tenant`.
   */
  /** §3.4: `tenant_user_id` that does not match the consent → 401 `invalid_credentials_id`. */
  tenantUserMismatch: { http: 401, type: 'unauthorized', code: 'invalid_credentials_id' },
  /** §2.5: which code answers which signing failure is undocumented. */
  signing: {
    missingHeader: { http: 400, type: 'invalid_request', code: 'invalid_headers' },
    badToken: { http: 401, type: 'unauthorized', code: 'invalid_api_keys' },
    audience: 'api.finqware.com',
    /** JWT `exp`/`iat` are checked against the real wall clock (the client signs with real time). */
    clockSkewSeconds: 60,
  },
  /** §3.6: unknown filter keys are rejected rather than silently ignored (a silent ignore returns wrong data). */
  unknownFilterKey: { http: 400, type: 'invalid_request', code: 'invalid_field' },
  /** §3.6: `booking_date_eq`/`timestamp_eq` with a date-only value match the whole UTC day; otherwise the exact second. */
  dateOnlyEqMatchesDay: true,
  /** §3.9: deleting an EXPIRED consent answers 200 and leaves it EXPIRED (idempotent, no resurrection). */
  deleteKeepsExpired: true,
  /** §3.4: account `id` is consent-specific (like transaction `id`); IBAN and `utx_id` are shared. */
  accountIdIsConsentSpecific: true,
  /** §3.6: transactions are returned per account, oldest booking first. Order is undocumented. */
  transactionOrder: 'account, then booking_date_time ascending',
  /** §3.5: balances `timestamp` uses the doc example's naive microsecond format (no `Z`). */
  balanceTimestampNaive: true,
  /** §3.6: `balance` (running balance) is null on pending transactions. */
  pendingRunningBalance: null,
  /**
   * §3.8: the payment lifecycle table was not recovered. ISO 20022 pain.002 codes [INFERRED]: ACTC
   * (technically accepted) on the PSU's approval, ACSP (settlement in process) a few minutes later,
   * ACSC (settled) a day after approval or on the requested execution date; RJCT (rejected, with a
   * `status_reason` code) instead of ACSP when the bank refuses it (fault `paymentRejectRate`).
   */
  paymentStatuses: { authorised: 'ACTC', accepted: 'ACSP', settled: 'ACSC', rejected: 'RJCT' },
  paymentAcceptAfterMinutes: 5,
  paymentSettleAfterMinutes: 24 * 60,
  /** ISO 20022 reason of a bank rejection: AM04, insufficient funds. */
  paymentRejectReason: 'AM04',
  /**
   * §3.8: the payment input data object is truncated after `payment_info`. The names below it follow
   * pain.001.001.03 in snake_case [INFERRED]: payment_info[].{payment_info_id, requested_execution_date,
   * debtor_account{iban,currency}, credit_transfer_transactions[].{end_to_end_id,
   * instructed_amount{amount,currency}, creditor{name}, creditor_account{iban},
   * remittance_information_unstructured}}. The catalog's flat form fields are accepted too.
   */
  paymentInputData: 'pain.001-like, see src/data/payments.ts',
  /** A bank authorisation page (the link a redirect step returns) works once, for this long (sandbox time). */
  bankLinkTtlMinutes: 30,
  /** Non-AIS consents (payments, marketplace) have no accounts: the data endpoints answer `[]`. */
  nonAispDataIsEmpty: true,
} as const;

export type ErrorSpec = { http: number; type: string; code: string };
