import type { MikroORM } from '@mikro-orm/postgresql';
import { ormPool } from '@tenant/domain';
import type { SessionCache } from '@tenant/router';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one api process, on their own registry (tests create several). */
export function createMetrics(options: { orm?: MikroORM; defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'trpc_requests_total',
    help: 'tRPC procedure calls by procedure and result code (OK or the tRPC error code)',
    labelNames: ['procedure', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'trpc_request_duration_seconds',
    help: 'tRPC procedure latency in seconds',
    labelNames: ['procedure'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const http = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests to the public listener by route (trpc, callback, healthz, other) and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });

  const sessionLookups = new Counter({
    name: 'auth_session_cache_lookups_total',
    help: "Bearer-token verifications answered from this process's session cache (hit) or the database (miss)",
    labelNames: ['result'] as const,
    registers: [registry],
  });
  let sessionCache: SessionCache | undefined;
  new Gauge({
    name: 'auth_session_cache_entries',
    help: 'Verified bearer tokens held by the session cache',
    registers: [registry],
    collect() {
      if (sessionCache) this.set(sessionCache.size);
    },
  });

  // The ORM's one pg.Pool (packages/domain createOrm): entity loads, transactions and queries.
  type PoolState = { pool: string; used: number; free: number; pending: number; max: number };
  const pools = async (): Promise<PoolState[]> => {
    if (!options.orm) return [];
    const pool = await ormPool(options.orm);
    const [used, free, pending] = [pool.totalCount - pool.idleCount, pool.idleCount, pool.waitingCount];
    return [{ pool: 'orm', used, free, pending, max: pool.options.max }];
  };
  const poolGauge = (name: string, help: string, read: (p: PoolState) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['pool'] as const,
      registers: [registry],
      async collect() {
        for (const p of await pools()) this.set({ pool: p.pool }, read(p));
      },
    });
  poolGauge('db_pool_connections_used', 'Database connections checked out', (p) => p.used);
  poolGauge('db_pool_connections_free', 'Idle database connections in the pool', (p) => p.free);
  poolGauge('db_pool_pending_acquires', 'Requests waiting for a database connection', (p) => p.pending);
  poolGauge('db_pool_connections_max', 'Pool size limit', (p) => p.max);

  return {
    registry,
    observeProcedure(o: { path: string; code: string; durationMs: number }) {
      requests.inc({ procedure: o.path, code: o.code });
      duration.observe({ procedure: o.path }, o.durationMs / 1000);
    },
    observeHttp(route: string, status: number) {
      http.inc({ route, status: String(status) });
    },
    /** Told of every session-cache lookup (ops read the hit rate to size the ttl). */
    observeSessionLookup(hit: boolean) {
      sessionLookups.inc({ result: hit ? 'hit' : 'miss' });
    },
    /** The cache whose size `auth_session_cache_entries` reports. */
    watchSessionCache(cache: SessionCache) {
      sessionCache = cache;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
