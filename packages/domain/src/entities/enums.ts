/**
 * Every status/kind column is a PostgreSQL check constraint generated from these lists, so the
 * database rejects a value the code does not know, and the code imports the same list it validates with.
 */

/** Consent (user_skills.status). REAUTH_REQUIRED is ours: Finqware reports the consent unusable. */
export const CONSENT_STATUSES = ['ACTIVE', 'EXPIRED', 'DELETED', 'REAUTH_REQUIRED'] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

export const SKILL_KINDS = ['aisp', 'pisp', 'marketplace'] as const;
export type SkillKind = (typeof SKILL_KINDS)[number];

export const SESSION_STATUSES = ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'EXPIRED'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const STEP_KINDS = ['form', 'sca', 'sca_implicit', 'payment_intent', 'product_form'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const STEP_STATUSES = ['CURRENT', 'SUBMITTED', 'FAILED'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const TRANSACTION_STATUSES = ['booked', 'pending'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/** Finqware amounts are positive; the direction travels beside them. */
export const CREDIT_DEBIT_INDICATORS = ['credit', 'debit'] as const;
export type CreditDebitIndicator = (typeof CREDIT_DEBIT_INDICATORS)[number];

export const SYNC_OUTCOMES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'RETRYING', 'REAUTH_REQUIRED'] as const;
export type SyncOutcome = (typeof SYNC_OUTCOMES)[number];

/** Why a sync ran (sync_runs.reason, and the `reason` of a consent-sync job). */
export const SYNC_REASONS = ['initial', 'scheduled', 'manual', 'retry'] as const;
export type SyncReason = (typeof SYNC_REASONS)[number];

/** How a failed sync is classified, which decides what happens next (see docs/architecture.md, Flows 2). */
export const ERROR_CLASSES = [
  'consent',
  'rate_limit',
  'transient',
  'protocol',
  'client',
  'internal',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/**
 * Our payment lifecycle (payments.status): PENDING (initiated, awaiting the PSU at the bank) →
 * AUTHORISED (approved at the bank) → ACCEPTED (the bank accepted it for settlement) → SETTLED,
 * or REJECTED / FAILED. The bank's pain.002 codes map onto it in `payments/lifecycle.ts`.
 */
export const PAYMENT_STATUSES = [
  'PENDING',
  'AUTHORISED',
  'ACCEPTED',
  'SETTLED',
  'REJECTED',
  'FAILED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];
