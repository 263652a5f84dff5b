import {
  CONSENT_ERROR_CODES,
  RATE_LIMIT_ERROR_CODES,
  TRANSIENT_ERROR_CODES,
  TRANSIENT_ERROR_TYPES,
} from './spec-choices';

/**
 * What the caller should do about a failure:
 * - `consent`: the consent is expired, deleted or its credentials are invalid: the user must re-authorise;
 * - `rate_limit`: back off (see `retryAfterMs`);
 * - `transient`: 5xx, network failure, timeout, truncated body: try again later;
 * - `client`: our request was wrong (bad input, bad keys, used nonce): retrying the same call cannot help;
 * - `protocol`: Finqware answered something that breaks the schema we code against.
 */
export type FinqwareErrorKind = 'consent' | 'rate_limit' | 'transient' | 'client' | 'protocol';

/** Finqware's error object (§3.11). Only `message` is guaranteed: the legacy shape is `{ message }`. */
export interface FinqwareErrorBody {
  id?: string;
  type?: string;
  http?: number;
  code?: string;
  message: string;
}

export interface FinqwareErrorInit {
  kind: FinqwareErrorKind;
  endpoint: string;
  message: string;
  status?: number;
  error?: FinqwareErrorBody;
  retryAfterMs?: number;
  cause?: unknown;
}

export class FinqwareError extends Error {
  override readonly name = 'FinqwareError';
  readonly kind: FinqwareErrorKind;
  readonly status?: number;
  readonly endpoint: string;
  readonly error?: FinqwareErrorBody;
  readonly retryAfterMs?: number;

  constructor(init: FinqwareErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.endpoint = init.endpoint;
    if (init.status !== undefined) this.status = init.status;
    if (init.error !== undefined) this.error = init.error;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }

  /** Safe to log: the message and the error object were redacted when the error was built. */
  toJSON(): object {
    return {
      name: this.name,
      kind: this.kind,
      endpoint: this.endpoint,
      status: this.status,
      error: this.error,
      retryAfterMs: this.retryAfterMs,
      message: this.message,
    };
  }
}

export function isFinqwareError(value: unknown): value is FinqwareError {
  return value instanceof FinqwareError;
}

/**
 * Classify an HTTP error answer by `type`/`code` first (§3.11: "not by status alone"), then by status.
 * Consent codes only mean "re-authorise" on calls that carry a consent (credentials_id + access_token):
 * elsewhere (e.g. a reused nonce answered with invalid_access_token) they mean our request was wrong.
 */
export function classifyHttpError(
  status: number,
  body: FinqwareErrorBody | undefined,
  carriesConsent: boolean,
): FinqwareErrorKind {
  const code = body?.code;
  const type = body?.type;
  if (status === 429 || (code !== undefined && RATE_LIMIT_ERROR_CODES.has(code))) return 'rate_limit';
  if (code !== undefined && CONSENT_ERROR_CODES.has(code)) return carriesConsent ? 'consent' : 'client';
  if (code !== undefined && TRANSIENT_ERROR_CODES.has(code)) return 'transient';
  if (type !== undefined && TRANSIENT_ERROR_TYPES.has(type)) return 'transient';
  if (status >= 500 || status === 408) return 'transient';
  return 'client';
}

/** Replace every occurrence of a secret in text we did not write (e.g. a server message echoing our input). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
