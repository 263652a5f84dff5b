export { type AdminServer, type AdminServerOptions, createAdminServer, type Readiness } from './admin-server';
export { type FinqwareFromConfigOptions, finqwareClientFromConfig, finqwareMetrics } from './finqware';
export { listenOn, PortInUseError } from './listen';
export { databaseReadiness } from './readiness';
