import { pino } from 'pino';

export type Logger = {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

/**
 * JSON lines on stdout (local-stack pretty-prints them). Secrets are never passed to the logger;
 * the redaction list is the safety net for a field someone adds later.
 */
export function createLogger(level: string, name = 'worker') {
  return pino({
    name,
    level,
    redact: {
      paths: [
        '*.accessToken',
        '*.access_token',
        '*.credentialsId',
        '*.credentials_id',
        '*.clientSecret',
        '*.client_secret',
        '*.password',
        '*.authorization',
        'accessToken',
        'credentialsId',
        'authorization',
      ],
      censor: '[redacted]',
    },
  });
}
