import type { Config } from '@tenant/domain';
import {
  createFinqwareClient,
  type FinqwareClient,
  type FinqwareClientOptions,
  type ResponseEvent,
} from '@tenant/finqware-client';
import { Counter, Histogram, type Registry } from 'prom-client';

export interface FinqwareFromConfigOptions {
  retry?: FinqwareClientOptions['retry'];
  /** Told of every response, network failure and timeout (see finqwareMetrics). */
  onResponse?: (event: ResponseEvent) => void;
}

/**
 * The Finqware client of a process (api and worker alike), from its configuration: base URL, the
 * tenant app's credentials, the timeout and, when FINQWARE_SIGNING_KEY_FILE is set, the signing
 * key config.ts read from it (a service-account JSON key file or a PEM).
 */
export function finqwareClientFromConfig(
  config: Pick<Config, 'finqware'>,
  options: FinqwareFromConfigOptions = {},
): FinqwareClient {
  const { finqware } = config;
  return createFinqwareClient({
    baseUrl: finqware.baseUrl,
    clientId: finqware.clientId,
    clientSecret: finqware.clientSecret,
    clientAppKey: finqware.clientAppKey,
    timeoutMs: finqware.timeoutMs,
    ...(finqware.signingKey ? { signingKey: finqware.signingKey } : {}),
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
  });
}

/**
 * Finqware calls as Prometheus sees them, fed by the client's `onResponse` hook: one count per
 * attempt by endpoint and status (an HTTP status, `network` or `timeout`), and their latency.
 */
export function finqwareMetrics(registry: Registry): (event: ResponseEvent) => void {
  const calls = new Counter({
    name: 'finqware_requests_total',
    help: 'Finqware HTTP attempts by endpoint and status (HTTP status, network or timeout)',
    labelNames: ['endpoint', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'finqware_request_duration_seconds',
    help: 'Finqware HTTP attempt latency by endpoint, in seconds',
    labelNames: ['endpoint'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return (event) => {
    calls.inc({ endpoint: event.endpoint, status: String(event.status) });
    latency.observe({ endpoint: event.endpoint }, event.durationMs / 1000);
  };
}
