export { type AdminServer, type AdminServerOptions, createAdminServer, type Readiness } from './admin-server';
export { type FinqwareFromConfigOptions, finqwareClientFromConfig, finqwareMetrics } from './finqware';
export { listenOn, PortInUseError } from './listen';
export {
  createLogger,
  type LogContext,
  type Logger,
  type LoggerOptions,
  REDACT_PATHS,
  withLogContext,
} from './logger';
export { databaseReadiness } from './readiness';
export { exitOnStartupFailure } from './startup';
