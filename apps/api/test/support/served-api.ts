import { request } from 'node:http';
import { Writable } from 'node:stream';
import { createTenantClient } from '@tenant/client';
import type { TrustedProxy } from '@tenant/domain';
import { domainVault, type RouterConfig } from '@tenant/router';
import { createHarness, type Harness, type HarnessOptions } from '@tenant/router/testing';
import { createLogger } from '@tenant/runtime';
import { createMetrics } from '../../src/metrics';
import { type ApiServer, createApiServer } from '../../src/server';

/** One parsed api log line (pino JSON). */
export type ApiLogLine = { level: number; msg?: string } & Record<string, unknown>;

/** pino's number for WARN: an attack may be logged at WARN, never as an error. */
export const WARN = 40;

/**
 * The api as `pnpm start` runs it, on a fresh test database with the sandbox bank, listening on a
 * free port of 127.0.0.1, its log lines kept for the test to read.
 */
export type ServedApi = {
  h: Harness;
  api: ApiServer;
  /** http://127.0.0.1:<port> */
  base: string;
  logs: ApiLogLine[];
  /** The typed client a front-end uses, with a bearer token or none. */
  client(token?: string): ReturnType<typeof createTenantClient>;
  /** Log lines written since `mark` (a previous `logs.length`) above WARN. */
  errorsSince(mark: number): ApiLogLine[];
  close(): Promise<void>;
};

export async function serveApi(
  options: {
    config?: Partial<RouterConfig>;
    corsOrigins?: string[];
    trustedProxies?: TrustedProxy[];
  } & Omit<HarnessOptions, 'config'> = {},
): Promise<ServedApi> {
  const { corsOrigins = [], trustedProxies, ...harness } = options;
  const h = await createHarness({ sandbox: true, ...harness });
  const logs: ApiLogLine[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line) as ApiLogLine);
      done();
    },
  });
  const api = createApiServer({
    orm: h.db.orm,
    fq: h.fq,
    jobs: h.jobs,
    vault: domainVault(h.vault),
    routerConfig: h.config,
    corsOrigins,
    trustedProxies,
    logger: createLogger({ service: 'api', level: 'debug', destination }),
    metrics: createMetrics({ orm: h.db.orm, defaultMetrics: false }),
  });
  const { port } = await api.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  // The bank sends the browser back to this very server.
  h.config.apiPublicUrl = base;
  return {
    h,
    api,
    base,
    logs,
    client: (token) => createTenantClient({ url: `${base}/trpc`, token }),
    errorsSince: (mark) => logs.slice(mark).filter((line) => line.level > WARN),
    async close() {
      await api.close();
      await h.close();
    },
  };
}

/** A raw HTTP request with any method (fetch refuses TRACE and CONNECT). */
export function rawRequest(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers: init.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end(init.body);
  });
}

/** `?input=` of a GET query in the superjson wire format, without meta. */
export function queryInput(json: unknown): string {
  return encodeURIComponent(JSON.stringify({ json }));
}
