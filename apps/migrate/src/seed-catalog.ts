#!/usr/bin/env node
/**
 * `tenant-seed-catalog`: upserts the servicers and skills of CATALOG_FILE (required in production,
 * where the sandbox's is refused), disables skills the file no longer lists, and logs the counts.
 * Idempotent: a second run changes nothing.
 */
import { loadCatalogFile, seedCatalog } from '@tenant/domain';
import { runJob } from './job';

runJob('seed-catalog', async ({ config, orm, log }) => {
  const catalog = await loadCatalogFile(config.catalog.file);
  log.info(
    { file: config.catalog.file, servicers: catalog.servicers.length, skills: catalog.skills.length },
    'seeding the catalog',
  );
  const report = await seedCatalog(orm.em.fork(), catalog);
  log.info(report, 'catalog seeded');
});
