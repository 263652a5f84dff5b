import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { listenOn } from './listen';

/** What `/readyz` reports: `ready` decides 200 or 503; the rest is shown to whoever asks. */
export type Readiness = { ready: boolean } & Record<string, unknown>;

export interface AdminServerOptions {
  /** The process's Prometheus registry, served at `/metrics`. */
  registry: Registry;
  readiness: () => Promise<Readiness>;
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * The admin listener of a process (api: ADMIN_PORT, worker: WORKER_ADMIN_PORT), on ADMIN_HOST,
 * 127.0.0.1 unless said otherwise: `/healthz` (the process is up), `/readyz` (it can do its work:
 * 200, or 503 with the reason) and `/metrics` (Prometheus). What it tells (pool sizes, pending
 * migrations, queue depths) is for the operator, not for the internet the api faces.
 */
export function createAdminServer(options: AdminServerOptions) {
  const server = createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return json(res, 405, { error: 'method not allowed' });
      switch (new URL(req.url ?? '/', 'http://admin.invalid').pathname) {
        case '/healthz':
          return json(res, 200, { status: 'ok' });
        case '/readyz': {
          const { ready, ...details } = await options.readiness();
          return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', ...details });
        }
        case '/metrics':
          res.writeHead(200, { 'content-type': options.registry.contentType });
          return res.end(await options.registry.metrics());
        default:
          return json(res, 404, { error: 'not found' });
      }
    } catch (error) {
      if (res.headersSent) return res.end();
      return json(res, 500, { error: error instanceof Error ? error.message : 'internal error' });
    }
  });
  // Scrapes are short; a stuck client must not hold the drain.
  server.keepAliveTimeout = 1_000;
  return {
    server,
    listen(port: number, host: string, variable: string): Promise<AddressInfo> {
      return listenOn(server, port, host, variable);
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export type AdminServer = ReturnType<typeof createAdminServer>;
