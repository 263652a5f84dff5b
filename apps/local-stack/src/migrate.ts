/**
 * `pnpm db:migrate`: the development database brought up to date, as `pnpm start` does before it
 * starts anything: DATABASE_URL, or the embedded PostgreSQL under TENANT_DATA_DIR (started for the
 * occasion, stopped after). A deployment runs the built migrate command instead (apps/migrate).
 */
import { ConfigError, loadConfig } from '@tenant/domain';
import { startEmbeddedDatabase } from '@tenant/domain/embedded';
import { prepareDatabase } from './prepare-database';

async function main() {
  const config = loadConfig('pnpm start');
  const say = (line: string) => console.log(line);
  const embedded = config.local.databaseUrl ? undefined : await startEmbeddedDatabase(config.local.dataDir);
  try {
    say(embedded ? `database: embedded, under ${config.local.dataDir}` : 'database: DATABASE_URL');
    await prepareDatabase(config.local.databaseUrl ?? (embedded?.url as string), config.catalog.file, say);
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError ? error.message : `failed: ${(error as Error).message ?? error}`,
  );
  process.exit(1);
});
