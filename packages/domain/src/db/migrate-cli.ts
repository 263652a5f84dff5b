/**
 * `pnpm db:migrate`: resolve the database (embedded when DATABASE_URL is unset), apply pending
 * migrations, seed the catalog (CATALOG_FILE or the sandbox's), and say what was done.
 */
import { loadCatalogFile, seedCatalog } from '../catalog/seed';
import { ConfigError, loadConfig } from '../config';
import { defaultCatalogPath } from '../paths';
import { resolveDatabase } from './bootstrap';
import { createOrm, migrate } from './orm';

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await resolveDatabase(config);
  try {
    console.log(`database: ${redact(database.url)}${database.embedded ? ' (embedded)' : ''}`);
    const orm = await createOrm({ clientUrl: database.url, pool: 2 });
    try {
      const applied = await migrate(orm);
      console.log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'migrations: up to date');
      const catalogPath = config.catalogFile ?? defaultCatalogPath();
      const report = await seedCatalog(orm.em, await loadCatalogFile(catalogPath));
      const s = report.servicers;
      const k = report.skills;
      console.log(
        `catalog ${catalogPath}: servicers +${s.inserted} ~${s.updated} =${s.unchanged}; ` +
          `skills +${k.inserted} ~${k.updated} =${k.unchanged} disabled ${k.disabled}`,
      );
    } finally {
      await orm.close(true);
    }
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
