import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { MAX_BATCH_SIZE } from '@tenant/client';
import type { TrustedProxy } from '@tenant/domain';
import {
  appRouter,
  createContext,
  createSessionCache,
  type FinqwarePort,
  type RouterConfig,
  recordBankReturn,
  type SyncEventHub,
  type SyncJobsPort,
  type VaultPort,
} from '@tenant/router';
import { type Logger, listenOn, withLogContext } from '@tenant/runtime';
import type { AnyTRPCProcedure } from '@trpc/server';
import { clientAddressOf } from './client-address';
import type { Metrics } from './metrics';
import { createTrpcHandler } from './trpc-handler';
import { appendVary } from './vary';

/** A session id as we issue them (crypto.randomUUID): anything else never reaches SQL. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type ApiDeps = {
  orm: MikroORM;
  fq: FinqwarePort;
  jobs: SyncJobsPort;
  vault: VaultPort;
  routerConfig: RouterConfig;
  /** Allowed browser origins ('*' allows any). */
  corsOrigins: string[];
  /** Proxies whose X-Forwarded-For tells the client's address (API_TRUSTED_PROXIES); none by default. */
  trustedProxies?: TrustedProxy[];
  logger: Logger;
  metrics: Metrics;
  /** Live sync events for `sync.events` subscriptions (fed by listenForSyncEvents); ended by close(). */
  syncEvents?: SyncEventHub;
  /** How long close() waits for in-flight requests before cutting connections. */
  drainTimeoutMs?: number;
};

const CORS_HEADERS = 'authorization, content-type, trpc-accept, x-trpc-source, x-request-id';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is a plain token (it ends up in logs), else a new one. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const TRPC_METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);

/** auth.register, auth.login, auth.logout: what the client sends unbatched (@tenant/client tenantLinks). */
const AUTH_MUTATIONS: ReadonlySet<string> = new Set(
  // At run time the record is flat, keyed by full path (its type nests it by sub-router).
  Object.entries(appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>)
    .filter(([path, procedure]) => path.startsWith('auth.') && procedure._def.type === 'mutation')
    .map(([path]) => path),
);
const READ_METHODS = new Set(['GET', 'HEAD']);

function methodNotAllowed(res: ServerResponse, allowed: Set<string>) {
  res.setHeader('allow', [...allowed].join(', '));
  json(res, 405, { error: 'method not allowed' });
}

/**
 * The api's public HTTP surface: tRPC at /trpc, the bank callback and /healthz. Readiness and
 * metrics are the admin listener's (src/main.ts, @tenant/runtime createAdminServer), never here.
 * Each tRPC request gets its own EntityManager fork (MikroORM's identity map is per request).
 */
export function createApiServer(deps: ApiDeps) {
  const { logger, metrics } = deps;
  const allowAny = deps.corsOrigins.includes('*');
  const allowed = new Set(deps.corsOrigins);
  const clientAddress = clientAddressOf(deps.trustedProxies ?? []);
  // The request line holds this module's own scalars only (id, method, path without its query,
  // status, duration): nothing on it can be a secret, so it skips pino's redaction, which runs
  // every top-level value of a line through each of its ~50 patterns (~40 µs a line, more than
  // the rest of writing it). Every other line is redacted as before.
  const requestLines = logger.child({}, { redact: [] });
  const sessions = createSessionCache({
    ttlMs: deps.routerConfig.sessionCacheSeconds * 1000,
    onLookup: (hit) => metrics.observeSessionLookup(hit),
  });
  metrics.watchSessionCache(sessions);

  const trpc = createTrpcHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: 1_000_000,
    // One HTTP request may not fan out into an unbounded number of procedure calls; the client
    // package splits its batches at the same constant.
    maxBatchSize: MAX_BATCH_SIZE,
    // A sign-in, a registration or a sign-out travels alone: a batch would let one request run
    // MAX_BATCH_SIZE password hashes, or race many guesses past the throttle's counters at once.
    alone: AUTH_MUTATIONS,
    createContext: ({ req }) =>
      createContext({
        em: deps.orm.em.fork() as EntityManager,
        fq: deps.fq,
        jobs: deps.jobs,
        vault: deps.vault,
        config: deps.routerConfig,
        logger,
        observe: (o) => metrics.observeProcedure(o),
        sessions,
        syncEvents: deps.syncEvents,
        requestMeta: { ip: clientAddress(req), headers: req.headers },
      }),
    onError({ error, path }) {
      // Procedure failures are logged by the router; this catches what fails around them (bad JSON, unknown path).
      if (!path || error.code === 'NOT_FOUND' || error.code === 'PARSE_ERROR') {
        logger.debug({ path, code: error.code }, 'trpc request rejected');
      }
    },
  });

  function cors(req: IncomingMessage, res: ServerResponse): boolean {
    const origin = req.headers.origin;
    // The answer depends on the Origin whether or not this request sent one.
    if (!allowAny) appendVary(res, 'Origin');
    if (!origin) return true;
    const ok = allowAny || allowed.has(origin);
    if (ok) res.setHeader('access-control-allow-origin', allowAny ? '*' : origin);
    if (req.method === 'OPTIONS') {
      if (ok) {
        res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
        res.setHeader('access-control-allow-headers', CORS_HEADERS);
        res.setHeader('access-control-max-age', '600');
      }
      res.writeHead(ok ? 204 : 403);
      res.end();
      return false;
    }
    return true;
  }

  async function callback(url: URL, res: ServerResponse) {
    const sessionId = url.searchParams.get('session') ?? '';
    const target = new URL(deps.routerConfig.connectReturnUrl);
    target.searchParams.set('session', sessionId);
    try {
      if (!UUID.test(sessionId)) throw Object.assign(new Error('bad session'), { reason: 'unknown_session' });
      const outcome = await recordBankReturn(
        {
          em: deps.orm.em.fork() as EntityManager,
          fq: deps.fq,
          vault: deps.vault,
          jobs: deps.jobs,
          config: deps.routerConfig,
          clock: () => new Date(),
          logger,
        },
        {
          sessionId,
          tempToken: url.searchParams.get('temp_token') ?? undefined,
          error: url.searchParams.get('error') ?? undefined,
        },
      );
      target.searchParams.set('status', outcome.status);
      if (outcome.reason) target.searchParams.set('reason', outcome.reason);
      if (outcome.paymentId) target.searchParams.set('payment', outcome.paymentId);
    } catch (err) {
      const reason = (err as { reason?: string }).reason ?? 'completion_failed';
      if (reason === 'completion_failed') {
        logger.error(
          { sessionId, err: { name: (err as Error).name, message: (err as Error).message } },
          'connect callback failed',
        );
      }
      target.searchParams.set('status', 'failed');
      target.searchParams.set('reason', reason);
    }
    res.writeHead(302, { location: target.toString(), 'cache-control': 'no-store' });
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse, seen: { route: string; url?: URL }) {
    const url = new URL(req.url ?? '/', 'http://api.invalid');
    seen.url = url;
    const setRoute = (route: string) => {
      seen.route = route;
    };
    if (url.pathname === '/trpc' || url.pathname.startsWith('/trpc/')) {
      setRoute('trpc');
      // Other methods (TRACE, PUT…) would reach tRPC's fetch Request, which throws on some of them.
      if (!TRPC_METHODS.has(req.method ?? '')) return methodNotAllowed(res, TRPC_METHODS);
      // Every answer here is someone's data or a token: no shared or browser cache keeps it.
      res.setHeader('cache-control', 'no-store');
      if (cors(req, res)) await trpc(req, res);
      return;
    }
    if (!READ_METHODS.has(req.method ?? '')) return methodNotAllowed(res, READ_METHODS);
    switch (url.pathname) {
      case '/healthz':
        setRoute('healthz');
        json(res, 200, { status: 'ok' });
        return;
      case '/connect/callback':
        setRoute('callback');
        await callback(url, res);
        return;
      default:
        json(res, 404, { error: 'not found' });
    }
  }

  let closing: Promise<void> | undefined;
  // Handlers still running, even if their client went away: close() waits for them before the
  // caller closes the pool underneath.
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const server: Server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    const started = performance.now();
    // The route and the parsed URL, as handle() found them (for the metrics and the request line).
    const seen: { route: string; url?: URL } = { route: 'other' };
    // Every line logged while serving this request carries its id: the caller's X-Request-Id (a
    // proxy's, say), or one made here; the response says which, for the caller to quote.
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    res.once('finish', () => {
      // While draining, a keep-alive socket is closed as soon as its last response is out.
      if (closing) setImmediate(() => server.closeIdleConnections());
      metrics.observeHttp(seen.route, res.statusCode);
      if (!logger.isLevelEnabled('info')) return;
      // Only the path is logged: query strings carry temp_tokens (callback) and inputs (tRPC GET).
      requestLines.info(
        {
          requestId,
          method: req.method,
          path: (seen.url ?? new URL(req.url ?? '/', 'http://api.invalid')).pathname,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'request',
      );
    });
    inFlight++;
    withLogContext({ requestId }, () => handle(req, res, seen))
      .catch((err: Error) => {
        logger.error({ err: { name: err.name, message: err.message } }, 'request handler failed');
        if (!res.headersSent) json(res, 500, { error: 'internal error' });
        else res.end();
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) idle?.();
      });
  });

  return {
    server,
    /** Listens on `host:port` (API_HOST, API_PORT); a taken port is a PortInUseError. */
    listen(port: number, host: string): Promise<AddressInfo> {
      return listenOn(server, port, host, 'API_PORT');
    },
    /**
     * Stops accepting connections, lets in-flight requests finish (closing idle keep-alive
     * sockets at once), and cuts what is left after the drain timeout. The caller closes the pool.
     */
    close(): Promise<void> {
      // Live subscriptions would hold their responses open through the whole drain: end them
      // first, with a retryable error, so their clients reconnect to another instance.
      deps.syncEvents?.close();
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), deps.drainTimeoutMs ?? 10_000);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          if (inFlight === 0) resolve();
          else idle = resolve;
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

export type ApiServer = ReturnType<typeof createApiServer>;
