import {
  consentSyncJob,
  consentSyncSendOptions,
  createOrm,
  createQueues,
  loadConfig,
  QUEUES,
  resolveDatabase,
  vaultFromConfig,
} from '@tenant/domain';
import { createFinqwareClient } from '@tenant/finqware-client';
import { createSyncEventHub, domainVault, pgBossJobs, routerConfigFrom } from '@tenant/router';
import { PgBoss } from 'pg-boss';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { createApiServer } from './server';
import { listenForSyncEvents } from './sync-events';

/**
 * Composition root: config → database → ORM → pg-boss (send only, no workers) → Finqware client
 * → HTTP server. SIGTERM/SIGINT drain: stop accepting, finish in-flight requests, then close
 * pg-boss and the pool.
 */
async function main() {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  if (config.vault.usingDevelopmentKey) logger.warn({}, 'VAULT_KEYS unset: using the development vault key');

  const database = await resolveDatabase(config, {
    onLog: (line) => logger.debug({ line }, 'embedded postgres'),
  });
  const orm = await createOrm({ clientUrl: database.url, pool: config.database.poolMax });
  const boss = new PgBoss({ connectionString: database.url, max: 2, schedule: false, supervise: false });
  boss.on('error', (err: Error) =>
    logger.error({ err: { name: err.name, message: err.message } }, 'pg-boss error'),
  );
  await boss.start();
  await createQueues(boss);

  const fq = createFinqwareClient({
    baseUrl: config.finqware.baseUrl,
    clientId: config.finqware.clientId,
    clientSecret: config.finqware.clientSecret,
    clientAppKey: config.finqware.clientAppKey,
    timeoutMs: config.finqware.timeoutMs,
  });
  const metrics = createMetrics({ orm });
  const syncEvents = createSyncEventHub();
  const listener = listenForSyncEvents({ connectionString: database.url, hub: syncEvents, logger });
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
    logger,
    metrics,
    syncEvents,
  });
  const address = await api.listen(config.api.port);
  logger.info(
    { port: address.port, publicUrl: config.api.publicUrl, embeddedDatabase: database.embedded },
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
    await orm.close(true);
    await database.stop();
    logger.info({}, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: Error) => {
  // ConfigError messages name variables, never values.
  process.stderr.write(`api failed to start: ${err.name}: ${err.message}\n`);
  process.exit(1);
});
