import { type DestinationStream, type Logger, pino } from 'pino';

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

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'api' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}

export type { Logger };
