import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm, loadConfig, type ProcessConfig } from '@tenant/domain';
import { createLogger, exitOnStartupFailure, type Logger } from '@tenant/runtime';

type JobName = 'migrate' | 'seed-catalog' | 'rotate-vault-keys';

/**
 * A one-off job of a deployment (the migrate image's commands): reads only its own configuration,
 * opens a small ORM, runs, logs JSON lines like every process, closes and exits 0 — or logs one
 * fatal line saying why and exits 1.
 */
export function runJob<N extends JobName>(
  name: N,
  work: (context: { config: ProcessConfig<N>; orm: MikroORM; log: Logger; args: string[] }) => Promise<void>,
): void {
  const run = async () => {
    const config = loadConfig(name);
    // Every job's sections include the database (PROCESSES in @tenant/domain's config).
    const { database, logLevel } = config as unknown as ProcessConfig<'migrate'>;
    const log = createLogger({ service: name, level: logLevel });
    const orm = await createOrm({
      clientUrl: database.url,
      pool: 2,
      preparedStatements: database.preparedStatements,
    });
    try {
      await work({ config, orm, log, args: process.argv.slice(2) });
    } finally {
      await orm.close(true);
    }
  };
  run().then(
    () => process.exit(0),
    (error: unknown) => exitOnStartupFailure(name, error, { what: 'failed' }),
  );
}
