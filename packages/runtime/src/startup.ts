import { ConfigError } from '@tenant/domain';
import type { DestinationStream } from 'pino';
import { PortInUseError } from './listen';
import { createLogger } from './logger';

/** Failures whose message says everything: no stack, which would bury it. */
const EXPLAINED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '28P01', '3D000', '28000']);

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof ConfigError)
    return { error: { name: error.name, message: error.message }, issues: error.issues };
  if (error instanceof PortInUseError) {
    return {
      error: { name: error.name, message: error.message },
      port: error.port,
      variable: error.variable,
    };
  }
  if (!(error instanceof Error)) return { error: { message: String(error) } };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && EXPLAINED.has(code)) {
    return { error: { name: error.name, message: error.message, code } };
  }
  return { error: { name: error.name, message: error.message, stack: error.stack } };
}

/**
 * A process that cannot start says why in one JSON log line like every other (level fatal,
 * `<service> failed to start: <message>`), then exits 1. Configuration and port errors carry their
 * details (`issues`, `port`) and no stack; so do the database's "cannot connect" errors.
 */
export function exitOnStartupFailure(
  service: string,
  error: unknown,
  options: {
    destination?: DestinationStream;
    exit?: (code: number) => void;
    /** What went wrong, after the service's name (default `failed to start`; a job says `failed`). */
    what?: string;
  } = {},
): void {
  const logger = createLogger({
    service,
    level: 'info',
    ...(options.destination ? { destination: options.destination } : {}),
  });
  const message = error instanceof Error ? error.message : String(error);
  logger.fatal(describe(error), `${service} ${options.what ?? 'failed to start'}: ${message}`);
  (options.exit ?? ((code) => process.exit(code)))(1);
}
