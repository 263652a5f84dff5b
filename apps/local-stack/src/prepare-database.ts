import { createOrm, loadCatalogFile, migrate, seedCatalog } from '@tenant/domain';

/**
 * Brings the development database up to date: pending migrations, then the catalog seed. Both are
 * idempotent, so every `pnpm start` (and `pnpm db:migrate`) runs them.
 */
export async function prepareDatabase(url: string, catalogFile: string, say: (line: string) => void) {
  const orm = await createOrm({ clientUrl: url, pool: 2 });
  try {
    const applied = await migrate(orm);
    say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema up to date');
    const seeded = await seedCatalog(orm.em.fork(), await loadCatalogFile(catalogFile));
    say(
      `catalog: ${seeded.skills.inserted} skills added, ${seeded.skills.updated} updated, ${seeded.skills.unchanged} unchanged`,
    );
  } finally {
    await orm.close();
  }
}
