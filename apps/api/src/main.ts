import {
  consentSyncJob,
  consentSyncSendOptions,
  createOrm,
  createQueues,
  loadConfig,
  pendingMigrations,
  QUEUES,
  vaultFromConfig,
} from '@tenant/domain';
import { createSyncEventHub, domainVault, pgBossJobs, routerConfigFrom } from '@tenant/router';
import {
  createAdminServer,
  createLogger,
  databaseReadiness,
  exitOnStartupFailure,
  finqwareClientFromConfig,
  finqwareMetrics,
} from '@tenant/runtime';
import { PgBoss } from 'pg-boss';
import { createMetrics } from './metrics';
import { createApiServer } from './server';
import { listenForSyncEvents } from './sync-events';

/**
 * Composition root: config → ORM → pg-boss (send only, no workers) → Finqware client → the public
 * HTTP server on API_HOST:API_PORT and the admin listener (/healthz, /readyz, /metrics) on
 * ADMIN_HOST:ADMIN_PORT. SIGTERM/SIGINT drain: stop accepting, finish in-flight requests, then
 * close pg-boss and the pool.
 */
async function main() {
  const config = loadConfig('api');
  const logger = createLogger({ service: 'api', level: config.logLevel });
  if (config.vault.usingDevelopmentKey) logger.warn({}, 'VAULT_KEYS unset: using the development vault key');

  const orm = await createOrm({
    clientUrl: config.database.url,
    pool: config.database.poolMax,
    preparedStatements: config.database.preparedStatements,
  });
  const pending = await pendingMigrations(orm);
  if (pending.length > 0) {
    logger.warn(
      { pendingMigrations: pending },
      'migrations are pending: run the migrate command; /readyz answers 503 until then',
    );
  }
  const boss = new PgBoss({
    connectionString: config.database.url,
    max: 2,
    schedule: false,
    supervise: false,
  });
  boss.on('error', (err: Error) =>
    logger.error({ err: { name: err.name, message: err.message } }, 'pg-boss error'),
  );
  await boss.start();
  await createQueues(boss);

  const metrics = createMetrics({ orm });
  const fq = finqwareClientFromConfig(config, { onResponse: finqwareMetrics(metrics.registry) });
  const syncEvents = createSyncEventHub();
  const listener = listenForSyncEvents({ connectionString: config.database.url, hub: syncEvents, logger });
  const api = createApiServer({
    orm,
    fq,
    jobs: pgBossJobs({
      boss,
      queue: QUEUES.consentSync,
      job: (input) => ({ data: consentSyncJob(input), options: consentSyncSendOptions(input.consentId) }),
    }),
    vault: domainVault(vaultFromConfig(config)),
    routerConfig: routerConfigFrom(config),
    corsOrigins: config.api.corsOrigins,
    trustedProxies: config.api.trustedProxies,
    logger,
    metrics,
    syncEvents,
  });
  const admin = createAdminServer({ registry: metrics.registry, readiness: () => databaseReadiness(orm) });
  const address = await api.listen(config.api.port, config.api.host);
  const adminAddress = await admin.listen(config.admin.port, config.admin.host, 'ADMIN_PORT');
  logger.info(
    {
      host: address.address,
      port: address.port,
      adminHost: adminAddress.address,
      adminPort: adminAddress.port,
      publicUrl: config.api.publicUrl,
    },
    'api listening',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await api.close();
    await listener.close();
    await boss.stop({ graceful: true, timeout: 5_000 }).catch(() => undefined);
    await admin.close();
    await orm.close(true);
    logger.info({}, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

// One JSON line saying why (ConfigError messages name variables, never values), then exit 1.
main().catch((err: unknown) => exitOnStartupFailure('api', err));
