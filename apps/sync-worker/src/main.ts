/**
 * Composition root of the sync worker: config, database, Finqware client, pg-boss consumers, and
 * the process lifecycle. SIGTERM/SIGINT: stop fetching jobs, give running syncs SYNC_STOP_TIMEOUT
 * to finish (each commits per page, so abandoning one loses nothing: its retry resumes from the
 * cursor), close the pools, exit 0.
 */
import {
  ConfigError,
  createOrm,
  loadConfig,
  migrate,
  resolveDatabase,
  vaultFromConfig,
} from '@tenant/domain';

import { createWorkerFinqwareClient } from './finqware';
import { createLogger } from './logger';
import { vaultSecretsReader } from './secrets';
import { startWorker } from './worker';

const STOP_TIMEOUT_MS = 30_000;

async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const database = await resolveDatabase(config);
  const orm = await createOrm({ clientUrl: database.url, pool: config.database.poolMax });
  if (database.embedded) {
    // Running alone on the development database: bring its schema up to date (idempotent).
    const applied = await migrate(orm);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
  }
  const worker = await startWorker({
    databaseUrl: database.url,
    orm,
    config,
    finqware: createWorkerFinqwareClient(config),
    readSecrets: vaultSecretsReader(vaultFromConfig(config)),
    log,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: no new jobs, finishing running syncs');
    try {
      await worker.stop(STOP_TIMEOUT_MS);
      await orm.close();
      await database.stop();
      log.info({}, 'stopped');
      process.exit(0);
    } catch (err) {
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'unclean stop');
      process.exit(1);
    }
  };
  // This process owns its lifecycle: the embedded database (when we started it) stops after the drain.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error('sync worker failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
