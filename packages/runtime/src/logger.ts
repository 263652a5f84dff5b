import { AsyncLocalStorage } from 'node:async_hooks';
import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * One logger for every process: pino JSON lines on stdout with the same fields everywhere —
 * `level`, `time` (ISO 8601), `service` (api, worker, migrate…), `msg` — plus, on every line
 * written while serving one request or working one job, that request's or job's ids
 * (`requestId`; `jobId`, `consentId`), whichever code writes the line (the router, the sync
 * engine, a library callback): they come from the async context (withLogContext), not from each
 * call site remembering them.
 */

/** Fields that follow every line written inside withLogContext. */
export type LogContext = { requestId?: string; jobId?: string; consentId?: string };

const context = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `fields` added to every log line it (and whatever it awaits) writes. */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/**
 * Secrets that could ride on a logged object. Redaction is by key, at any of the depths we log
 * (pino's wildcards cover one level each), and the value is replaced, never partially kept.
 */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'password',
  'passwordHash',
  'password_hash',
  'token',
  'accessToken',
  'access_token',
  'tempToken',
  'temp_token',
  'nonce',
  'clientSecret',
  'client_secret',
  'credentials',
  'credentialsId',
  'credentials_id',
  'privateKeyPem',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.*.${key}`),
];

export interface LoggerOptions {
  /** The process: `api`, `worker`, `migrate`… */
  service: string;
  level?: string;
  /** Where lines go: a stream (tests capture them) or a file path; stdout by default. */
  destination?: DestinationStream | string;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // A copy: pino merges the line's own fields into what mixin returns.
      mixin: () => ({ ...context.getStore() }),
    },
    // A path gets pino's own file stream, the one it writes stdout with (sonic-boom).
    typeof options.destination === 'string' ? pino.destination(options.destination) : options.destination,
  );
}

export type { Logger };
