export { createMetrics, type Metrics } from './metrics';
export { type ApiDeps, type ApiServer, createApiServer } from './server';
