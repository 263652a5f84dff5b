/**
 * Error classification: every failure of a sync is put in exactly one class, and the class alone
 * decides what happens next (docs/architecture.md, Flows 2). The engine records the class on the
 * `sync_runs` row; the worker turns it into a pg-boss disposition.
 */

import type { ErrorClass } from '@tenant/domain';

// The classes are domain's (they are a column of sync_runs); re-exported for the engine's callers.
export { ERROR_CLASSES, type ErrorClass } from '@tenant/domain';

/** What the job runner must do with a failed sync. */
export type Disposition =
  /** The consent is gone: mark it REAUTH_REQUIRED, complete the job, never retry. */
  | { action: 'reauth' }
  /** Retry no earlier than `delayMs` from now (the server told us when). */
  | { action: 'retry_after'; delayMs: number }
  /** Retry with the queue's exponential backoff and jitter, bounded by its retry limit. */
  | { action: 'retry' }
  /** Retrying cannot help: send the job to the dead-letter queue. */
  | { action: 'dead_letter' };

/** A classified failure; `message` and `detail` never hold secrets. */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(
    readonly errorClass: ErrorClass,
    message: string,
    readonly options: { retryAfterMs?: number; detail?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }

  get disposition(): Disposition {
    return dispositionOf(this.errorClass, this.options.retryAfterMs);
  }

  /** Safe for logs, job outputs and the dead-letter queue. */
  toJSON(): Record<string, unknown> {
    return {
      errorClass: this.errorClass,
      message: this.message,
      ...(this.options.retryAfterMs !== undefined ? { retryAfterMs: this.options.retryAfterMs } : {}),
      ...(this.options.detail ? { detail: this.options.detail } : {}),
    };
  }
}

/** Thrown by the engine when it stops between pages because its job was cancelled or the worker is stopping. */
export class SyncAbortedError extends SyncError {
  constructor() {
    super('transient', 'sync abandoned before completion (worker stopping); committed pages are kept');
  }
}

/**
 * Thrown by a page write once a newer run of the same consent has started (this attempt's job was
 * failed back to its queue while it still ran, and its retry took over): the attempt stops
 * without writing, and leaves the run ledger to the newer run.
 */
export class SyncSupersededError extends SyncError {
  constructor() {
    super('transient', 'superseded: a newer attempt of this sync started; this one stopped without writing');
  }
}

export function dispositionOf(errorClass: ErrorClass, retryAfterMs?: number): Disposition {
  switch (errorClass) {
    case 'consent':
      return { action: 'reauth' };
    case 'rate_limit':
      return retryAfterMs !== undefined
        ? { action: 'retry_after', delayMs: retryAfterMs }
        : { action: 'retry' };
    case 'transient':
    case 'internal':
      return { action: 'retry' };
    case 'protocol':
    case 'client':
      return { action: 'dead_letter' };
  }
}

type FinqwareErrorLike = Error & {
  kind: 'consent' | 'rate_limit' | 'transient' | 'client' | 'protocol';
  status?: number;
  endpoint?: string;
  retryAfterMs?: number;
  error?: { code?: string; type?: string };
  toJSON?: () => object;
};

const FINQWARE_KINDS = new Set(['consent', 'rate_limit', 'transient', 'client', 'protocol']);

function isFinqwareError(err: unknown): err is FinqwareErrorLike {
  return (
    err instanceof Error &&
    typeof (err as { kind?: unknown }).kind === 'string' &&
    FINQWARE_KINDS.has((err as unknown as { kind: string }).kind) &&
    (err.name === 'FinqwareError' || 'endpoint' in err)
  );
}

/** Puts any thrown value into a class. Unknown errors are `internal` (retried: they may be our database). */
export function classifyError(err: unknown): SyncError {
  if (err instanceof SyncError) return err;
  if (isFinqwareError(err)) {
    const detail: Record<string, unknown> = {
      endpoint: err.endpoint,
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(err.error?.code ? { code: err.error.code } : {}),
      ...(err.error?.type ? { type: err.error.type } : {}),
    };
    // A schema violation carries zod's issues as its cause: paths and expectations, never values.
    const issues = (err.cause as { issues?: unknown } | undefined)?.issues;
    if (Array.isArray(issues)) detail.issues = issues.slice(0, 20).map(describeIssue);
    return new SyncError(err.kind, err.message, { retryAfterMs: err.retryAfterMs, detail, cause: err });
  }
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
    return new SyncError('transient', `${err.name}: ${err.message}`, { cause: err });
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new SyncError('internal', message.slice(0, 500), { cause: err });
}

function describeIssue(issue: unknown): Record<string, unknown> {
  const i = issue as { path?: unknown[]; code?: unknown; expected?: unknown };
  return {
    path: Array.isArray(i.path) ? i.path.map(String).join('.') : '',
    code: typeof i.code === 'string' ? i.code : 'unknown',
    ...(typeof i.expected === 'string' ? { expected: i.expected } : {}),
  };
}

/**
 * The shape of a payload without any of its values: property names and value types, arrays
 * summarised by their first element. This is what a schema violation carries to the dead-letter
 * queue, so an operator can see what Finqware sent without ever seeing a token or an amount.
 */
export function describeShape(value: unknown, depth = 0): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (value.length === 0) return [];
    return depth >= 4 ? [`array(${value.length})`] : [describeShape(value[0], depth + 1), `…${value.length}`];
  }
  if (typeof value === 'object') {
    if (depth >= 4) return 'object';
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value as Record<string, unknown>).slice(0, 50)) {
      out[key] = describeShape(v, depth + 1);
    }
    return out;
  }
  return typeof value;
}
