import { type TRPC_ERROR_CODE_KEY, type TRPC_ERROR_CODE_NUMBER, TRPCError } from '@trpc/server';

/** One problem with one input field, in the shape front-ends show next to the field. */
export type FieldIssue = { path: string; message: string };

/** Why a CONFLICT, PRECONDITION_FAILED, SERVICE_UNAVAILABLE or BAD_GATEWAY happened, for a UI to act on. */
export type ErrorReason =
  | 'EMAIL_TAKEN'
  | 'STEP_NOT_CURRENT'
  | 'AWAITING_REDIRECT'
  | 'SESSION_EXPIRED'
  | 'SESSION_FAILED'
  | 'SESSION_BUSY'
  | 'TOO_MANY_OPEN_SESSIONS'
  | 'REAUTH_REQUIRED'
  | 'CONSENT_DELETED'
  | 'NOT_SYNCABLE'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_ERROR'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'PAYMENT_IN_PROGRESS'
  | 'USE_PAYMENTS';

/**
 * Every error a client receives, as the error formatter builds it. Declared rather than inferred:
 * it is part of the contract @tenant/client ships, so it may name nothing of the server.
 */
export type TenantErrorShape = {
  code: TRPC_ERROR_CODE_NUMBER;
  message: string;
  data: {
    code: TRPC_ERROR_CODE_KEY;
    httpStatus: number;
    path: string | undefined;
    issues?: FieldIssue[];
    retryAfterSeconds?: number;
    reason?: ErrorReason;
  };
};

/**
 * Extra facts a client may act on, carried as the `cause` of a TRPCError and copied into the
 * error's `data` by the error formatter. It is the only cause the formatter ever reveals.
 */
export class ErrorDetails extends Error {
  readonly issues: FieldIssue[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly reason: ErrorReason | undefined;

  constructor(details: { issues?: FieldIssue[]; retryAfterSeconds?: number; reason?: ErrorReason }) {
    super('error details');
    this.name = 'ErrorDetails';
    this.issues = details.issues;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.reason = details.reason;
  }
}

export function badRequest(field: string, message: string): TRPCError {
  return new TRPCError({
    code: 'BAD_REQUEST',
    message: `${field}: ${message}`,
    cause: new ErrorDetails({ issues: [{ path: field, message }] }),
  });
}

export function badRequestIssues(message: string, issues: FieldIssue[]): TRPCError {
  return new TRPCError({ code: 'BAD_REQUEST', message, cause: new ErrorDetails({ issues }) });
}

/** Missing and not-yours look the same on purpose: ids of other users must not be probeable. */
export function notFound(what: string): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `${what} not found` });
}

export function unauthorized(message = 'Sign in first'): TRPCError {
  return new TRPCError({ code: 'UNAUTHORIZED', message });
}

export function conflict(message: string, reason?: ErrorReason): TRPCError {
  return new TRPCError({
    code: 'CONFLICT',
    message,
    ...(reason ? { cause: new ErrorDetails({ reason }) } : {}),
  });
}

export function tooManyRequests(message: string, retryAfterSeconds: number): TRPCError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new TRPCError({
    code: 'TOO_MANY_REQUESTS',
    message: `${message}; retry in ${seconds}s`,
    cause: new ErrorDetails({ retryAfterSeconds: seconds }),
  });
}

export function preconditionFailed(message: string, reason: ErrorReason): TRPCError {
  return new TRPCError({ code: 'PRECONDITION_FAILED', message, cause: new ErrorDetails({ reason }) });
}

/** The fields of FinqwareError we rely on, read structurally so a duplicated module copy still matches. */
export type FinqwareErrorLike = Error & {
  kind: 'consent' | 'rate_limit' | 'transient' | 'client' | 'protocol';
  status?: number;
  endpoint: string;
  error?: { code?: string; type?: string; message?: string };
  retryAfterMs?: number;
};

export function isFinqwareError(err: unknown): err is FinqwareErrorLike {
  return (
    err instanceof Error &&
    typeof (err as { kind?: unknown }).kind === 'string' &&
    typeof (err as { endpoint?: unknown }).endpoint === 'string'
  );
}

/**
 * Maps a Finqware failure to what the user can do about it. The Finqware message is never copied:
 * it is the bank's text and may echo what was sent.
 */
export function fromFinqwareError(err: FinqwareErrorLike): TRPCError {
  switch (err.kind) {
    case 'consent':
      return new TRPCError({
        code: 'PRECONDITION_FAILED',
        message: 'The bank consent is no longer valid; connect the bank again',
        cause: new ErrorDetails({ reason: 'REAUTH_REQUIRED' }),
      });
    case 'rate_limit':
      return new TRPCError({
        code: 'TOO_MANY_REQUESTS',
        message: 'Finqware is rate limiting us; try again shortly',
        cause: new ErrorDetails({
          retryAfterSeconds: Math.max(1, Math.ceil((err.retryAfterMs ?? 1000) / 1000)),
        }),
      });
    case 'transient':
      return new TRPCError({
        code: 'SERVICE_UNAVAILABLE',
        message: 'Finqware is temporarily unavailable; try again',
        cause: new ErrorDetails({ reason: 'UPSTREAM_UNAVAILABLE' }),
      });
    default:
      return new TRPCError({
        code: 'BAD_GATEWAY',
        message: `Finqware rejected the request (${err.endpoint})`,
        cause: new ErrorDetails({ reason: 'UPSTREAM_ERROR' }),
      });
  }
}

/** True when Finqware said the submitted step data was wrong (the same nonce stays valid). */
export function isInvalidInput(err: FinqwareErrorLike): boolean {
  return err.kind === 'client' && err.error?.code === 'invalid_input';
}
