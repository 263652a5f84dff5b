/**
 * Composition root of the sync worker: config, database, Finqware client, pg-boss consumers, the
 * admin listener (/healthz, /readyz, /metrics on ADMIN_HOST:WORKER_ADMIN_PORT) and the process
 * lifecycle. SIGTERM/SIGINT: /readyz turns 503, stop fetching jobs, give running syncs
 * STOP_TIMEOUT_MS to finish (each commits per page, so abandoning one loses nothing: its retry
 * resumes from the cursor), close the pools, exit 0.
 */
import { createOrm, loadConfig, vaultFromConfig } from '@tenant/domain';
import {
  createAdminServer,
  createLogger,
  databaseReadiness,
  exitOnStartupFailure,
  finqwareClientFromConfig,
  finqwareMetrics,
} from '@tenant/runtime';
import { createWorkerMetrics } from './metrics';
import { vaultPaymentSecretsReader, vaultSecretsReader } from './secrets';
import { startWorker } from './worker';

const STOP_TIMEOUT_MS = 30_000;

async function main() {
  const config = loadConfig('worker');
  const log = createLogger({ service: 'worker', level: config.logLevel });
  const metrics = createWorkerMetrics();
  let stopping = false;
  let running: { orm: Awaited<ReturnType<typeof createOrm>> } | undefined;
  // Listening first: a worker that hangs while starting is visible (healthz up, readyz 503).
  const admin = createAdminServer({
    registry: metrics.registry,
    readiness: async () => {
      if (!running) return { ready: false, worker: stopping ? 'stopping' : 'starting' };
      const database = await databaseReadiness(running.orm);
      return { ...database, ready: database.ready && !stopping, worker: stopping ? 'stopping' : 'working' };
    },
  });
  const address = await admin.listen(config.workerAdmin.port, config.workerAdmin.host, 'WORKER_ADMIN_PORT');
  log.info({ adminHost: address.address, adminPort: address.port }, 'admin listening');

  const orm = await createOrm({
    clientUrl: config.database.url,
    pool: config.database.poolMax,
    preparedStatements: config.database.preparedStatements,
  });
  const vault = vaultFromConfig(config);
  const worker = await startWorker({
    databaseUrl: config.database.url,
    orm,
    config,
    // Short server delays (≤ 2 s) are waited out inside the call; a longer Retry-After surfaces as
    // a rate_limit error, so the job is rescheduled for that time instead of holding a worker slot.
    finqware: finqwareClientFromConfig(config, {
      retry: { retries: 2, maxRetryAfterMs: 2000 },
      onResponse: finqwareMetrics(metrics.registry),
    }),
    readSecrets: vaultSecretsReader(vault),
    readPaymentSecrets: vaultPaymentSecretsReader(vault),
    log,
    metrics,
  });
  running = { orm };

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: no new jobs, finishing running syncs');
    try {
      await worker.stop(STOP_TIMEOUT_MS);
      await admin.close();
      await orm.close();
      log.info({}, 'stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'unclean stop');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

// One JSON line saying why (ConfigError messages name variables, never values), then exit 1.
main().catch((err: unknown) => exitOnStartupFailure('worker', err));
