import type { z } from 'zod';
import {
  classifyHttpError,
  FinqwareError,
  type FinqwareErrorBody,
  type FinqwareErrorKind,
  redact,
} from './errors';
import type { RequestSigner } from './signing';
import { DEFAULT_RATE_LIMIT_RETRY_AFTER_MS } from './spec-choices';
import { toWireJson } from './wire-json';

export interface RetryPolicy {
  /** Extra attempts after the first one. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited in-process: the error is thrown with `retryAfterMs`. */
  maxRetryAfterMs: number;
}

export interface ResponseEvent {
  endpoint: string;
  status: number | 'network' | 'timeout';
  durationMs: number;
  attempt: number;
}

export interface TransportConfig {
  baseUrl: string;
  timeoutMs: number;
  retry: RetryPolicy | false;
  fetch: typeof fetch;
  signer?: RequestSigner;
  /** Values that must never appear in an error (client secret, app key). */
  secrets: readonly string[];
  onResponse?: (event: ResponseEvent) => void;
  /** Injected in tests: [0, 1) random source for the jitter. */
  random?: () => number;
}

/**
 * - `safe`: reads and idempotent writes: retried on transient and rate_limit failures;
 * - `unsent-only`: single-use nonce / temp_token calls: retried only when the request provably never
 *   reached the server (the connection was refused or the host did not resolve).
 */
export type RetryMode = 'safe' | 'unsent-only';

export interface CallSpec<T> {
  endpoint: string;
  path: string;
  body: Record<string, unknown>;
  retry: RetryMode;
  /** The body carries credentials_id + access_token, so consent error codes mean "re-authorise". */
  carriesConsent: boolean;
  schema: z.ZodType<T>;
  /** Per-call secrets (access_token, temp_token, nonce) redacted from anything we report. */
  secrets?: readonly (string | undefined)[];
  signal?: AbortSignal;
}

interface Failure {
  error: FinqwareError;
  retryable: boolean;
  /** True when the request provably never reached the server. */
  unsent: boolean;
  /** Server-requested delay (Retry-After), if any. */
  retryAfterHeaderMs?: number;
}

type Attempt<T> = { ok: true; value: T } | { ok: false; failure: Failure };

/** Network error codes raised before a single byte of the request could reach the server. */
const UNSENT_ERROR_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export class Transport {
  constructor(private readonly config: TransportConfig) {}

  async call<T>(spec: CallSpec<T>): Promise<T> {
    const body = toWireJson(spec.body);
    const secrets = [...this.config.secrets, ...(spec.secrets ?? [])].filter((s): s is string => !!s);
    const policy = this.config.retry;
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(spec, body, secrets, attempt);
      if (result.ok) return result.value;
      const { failure } = result;
      const mayRetry =
        policy !== false &&
        attempt <= policy.retries &&
        failure.retryable &&
        (spec.retry === 'safe' || failure.unsent);
      if (!mayRetry) throw failure.error;
      let delay: number;
      if (failure.retryAfterHeaderMs !== undefined) {
        // Waiting less than the server asked is pointless; waiting longer than allowed is the caller's call.
        if (failure.retryAfterHeaderMs > policy.maxRetryAfterMs) throw failure.error;
        delay = failure.retryAfterHeaderMs;
      } else {
        delay = this.backoff(attempt, policy);
      }
      await sleep(delay, spec.signal);
    }
  }

  /** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. */
  private backoff(attempt: number, policy: RetryPolicy): number {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor((this.config.random ?? Math.random)() * ceiling);
  }

  private report(event: ResponseEvent): void {
    try {
      this.config.onResponse?.(event);
    } catch {
      // An observer must never break a call.
    }
  }

  private async attempt<T>(
    spec: CallSpec<T>,
    body: string,
    secrets: string[],
    attempt: number,
  ): Promise<Attempt<T>> {
    const { endpoint } = spec;
    const timeout = AbortSignal.timeout(this.config.timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.config.signer) headers.authorization = this.config.signer.authorization(body);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);

    const networkFailure = (err: unknown, phase: 'request' | 'response'): Attempt<T> => {
      if (spec.signal?.aborted) throw spec.signal.reason;
      const timedOut = timeout.aborted;
      this.report({ endpoint, status: timedOut ? 'timeout' : 'network', durationMs: elapsed(), attempt });
      const code = errorCode(err);
      const message = timedOut
        ? `${endpoint} failed: no complete answer within ${this.config.timeoutMs} ms`
        : `${endpoint} failed: network error${code ? ` (${code})` : ''} while ${phase === 'request' ? 'sending the request' : 'reading the response'}`;
      return {
        ok: false,
        failure: {
          error: new FinqwareError({ kind: 'transient', endpoint, message, cause: err }),
          retryable: true,
          unsent: !timedOut && phase === 'request' && neverReachedServer(err),
        },
      };
    };

    let res: Response;
    try {
      res = await this.config.fetch(this.config.baseUrl + spec.path, {
        method: 'POST',
        headers,
        body,
        signal,
      });
    } catch (err) {
      return networkFailure(err, 'request');
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      return networkFailure(err, 'response');
    }
    this.report({ endpoint, status: res.status, durationMs: elapsed(), attempt });

    if (res.status >= 200 && res.status < 300) return this.parseSuccess(spec, res.status, text);

    const errorBody = parseErrorBody(text, secrets);
    const kind = classifyHttpError(res.status, errorBody, spec.carriesConsent);
    const retryAfterHeaderMs = parseRetryAfter(res.headers.get('retry-after'));
    const retryAfterMs =
      kind === 'rate_limit' ? (retryAfterHeaderMs ?? DEFAULT_RATE_LIMIT_RETRY_AFTER_MS) : retryAfterHeaderMs;
    const described = errorBody
      ? `${[errorBody.type, errorBody.code].filter(Boolean).join('/') || 'error'}: ${errorBody.message}`
      : 'non-JSON error body';
    const error = new FinqwareError({
      kind,
      endpoint,
      status: res.status,
      message: `${endpoint} failed: HTTP ${res.status} ${described}`,
      ...(errorBody ? { error: errorBody } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
    return {
      ok: false,
      failure: {
        error,
        retryable: kind === 'transient' || kind === 'rate_limit',
        unsent: false,
        ...(retryAfterHeaderMs !== undefined ? { retryAfterHeaderMs } : {}),
      },
    };
  }

  private parseSuccess<T>(spec: CallSpec<T>, status: number, text: string): Attempt<T> {
    const { endpoint } = spec;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // A truncated body is a transport accident; a read can safely ask again, a write cannot.
      const kind: FinqwareErrorKind = spec.retry === 'safe' ? 'transient' : 'protocol';
      return {
        ok: false,
        failure: {
          error: new FinqwareError({
            kind,
            endpoint,
            status,
            message: `${endpoint} failed: HTTP ${status} with a body that is not valid JSON (${text.length} chars)`,
          }),
          retryable: kind === 'transient',
          unsent: false,
        },
      };
    }
    const parsed = spec.schema.safeParse(json);
    if (parsed.success) return { ok: true, value: parsed.data };
    return {
      ok: false,
      failure: {
        error: new FinqwareError({
          kind: 'protocol',
          endpoint,
          status,
          message: `${endpoint} answered a body that breaks the schema: ${describeIssues(parsed.error)}`,
          cause: parsed.error,
        }),
        retryable: false,
        unsent: false,
      },
    };
  }
}

/** Accepts the standard error object (§3.11) and the legacy `{ message }` shape; redacts every string. */
export function parseErrorBody(text: string, secrets: readonly string[]): FinqwareErrorBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? redact(v, secrets) : undefined);
  const message = str(o.message) ?? str(o.code) ?? str(o.type);
  if (message === undefined) return undefined;
  const body: FinqwareErrorBody = { message };
  const id = str(o.id);
  const type = str(o.type);
  const code = str(o.code);
  if (id !== undefined) body.id = id;
  if (type !== undefined) body.type = type;
  if (typeof o.http === 'number') body.http = o.http;
  if (code !== undefined) body.code = code;
  return body;
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function describeIssues(error: z.ZodError): string {
  // Paths and expectations only: zod never echoes the received values here, so no secret can leak.
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const nested = (e as { errors?: unknown }).errors;
    if (Array.isArray(nested)) {
      const inner = nested.map(errorCode).find(Boolean);
      if (inner) return inner;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function neverReachedServer(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && UNSENT_ERROR_CODES.has(code);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
