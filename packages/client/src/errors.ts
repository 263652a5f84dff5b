import type { AppRouter, ErrorReason, FieldIssue } from '@tenant/router';
import { TRPCClientError } from '@trpc/client';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';

/**
 * The error codes the api answers with, each one a UI has to handle (the router's README has the
 * full table). Any other code is a transport failure or a bug: show a generic error.
 */
export const ERROR_CODES = [
  /** Invalid input; `issues` names each field (`values.password`, `cursor`, …). */
  'BAD_REQUEST',
  /** Missing, expired or revoked token, or a wrong email/password: sign in again. */
  'UNAUTHORIZED',
  /** Unknown id, or one that belongs to another user. */
  'NOT_FOUND',
  /** `reason`: EMAIL_TAKEN, STEP_NOT_CURRENT, AWAITING_REDIRECT, SESSION_EXPIRED, SESSION_FAILED. */
  'CONFLICT',
  /** Throttled: wait `retryAfterSeconds`. */
  'TOO_MANY_REQUESTS',
  /** `reason`: REAUTH_REQUIRED (connect the bank again), CONSENT_DELETED, NOT_SYNCABLE. */
  'PRECONDITION_FAILED',
  /** Finqware is briefly unavailable (`reason: UPSTREAM_UNAVAILABLE`): try again. */
  'SERVICE_UNAVAILABLE',
  /** Finqware answered something unusable (`reason: UPSTREAM_ERROR`). */
  'BAD_GATEWAY',
  /** A bug on the server; the message is always `Internal server error`. */
  'INTERNAL_SERVER_ERROR',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Every `reason` the api may put in an error's data. */
export const ERROR_REASONS = [
  'EMAIL_TAKEN',
  'STEP_NOT_CURRENT',
  'AWAITING_REDIRECT',
  'SESSION_EXPIRED',
  'SESSION_FAILED',
  'SESSION_BUSY',
  'TOO_MANY_OPEN_SESSIONS',
  'REAUTH_REQUIRED',
  'CONSENT_DELETED',
  'NOT_SYNCABLE',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_ERROR',
  'IDEMPOTENCY_KEY_REUSED',
  'PAYMENT_IN_PROGRESS',
  'USE_PAYMENTS',
] as const satisfies readonly ErrorReason[];

/** A failed call of createTenantClient (or of the TanStack Query integration). */
export type TenantClientError = TRPCClientError<AppRouter>;

/** What a UI acts on, read from any error a call threw. */
export type TenantError = {
  /**
   * The api's code (one of ERROR_CODES), `NETWORK` when no answer of the api came back (offline,
   * CORS, aborted, a proxy's error page), `UNKNOWN` for an error that is not a call's.
   */
  code: TRPC_ERROR_CODE_KEY | 'NETWORK' | 'UNKNOWN';
  message: string;
  reason?: ErrorReason;
  retryAfterSeconds?: number;
  issues?: FieldIssue[];
};

export function isTenantClientError(error: unknown): error is TenantClientError {
  return error instanceof TRPCClientError;
}

/** Reads an error thrown by a call (or held by a query or mutation) into what a UI acts on. */
export function tenantError(error: unknown): TenantError {
  if (!isTenantClientError(error)) {
    return { code: 'UNKNOWN', message: error instanceof Error ? error.message : String(error) };
  }
  const data = error.data;
  if (!data) return { code: 'NETWORK', message: error.message };
  return {
    code: data.code,
    message: error.message,
    ...(data.reason ? { reason: data.reason } : {}),
    ...(data.retryAfterSeconds !== undefined ? { retryAfterSeconds: data.retryAfterSeconds } : {}),
    ...(data.issues ? { issues: data.issues } : {}),
  };
}
