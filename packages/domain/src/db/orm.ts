import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options as OrmConfig, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { entities } from '../entities';
import { migrationsList } from '../migrations';

export interface OrmOptions {
  clientUrl: string;
  /** Maximum connections in the pool (DATABASE_POOL_MAX). */
  pool?: number;
  /** Log SQL (never enable where secrets may be bound as parameters in shared logs). */
  debug?: boolean;
}

/** Name of the MikroORM migrations bookkeeping table. */
export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

/** The MikroORM options shared by the runtime, the tests and the migration CLI. */
export function ormConfig(options: OrmOptions): OrmConfig {
  return defineConfig({
    clientUrl: options.clientUrl,
    driver: PostgreSqlDriver,
    entities,
    extensions: [Migrator],
    // timestamptz columns hold instants; never let the server's zone leak into Date values.
    forceUtcTimezone: true,
    // Entities are defineEntity schemas: nothing to reflect, nothing to cache, no files to glob.
    discovery: { requireEntitiesArray: true, disableDynamicFileAccess: true },
    metadataCache: { enabled: false },
    debug: options.debug ?? false,
    pool: { min: 0, max: options.pool ?? 10 },
    migrations: {
      tableName: MIGRATIONS_TABLE,
      path: new URL('../migrations', import.meta.url).pathname,
      emit: 'ts',
      glob: 'Migration*.{js,ts}',
      // Diff against the live database, not a snapshot file, so drift is always visible.
      snapshot: false,
      // Callers report what migrate() applied; the migrator's own console lines would bypass the logger.
      silent: true,
      // Each migration commits on its own: one that must run outside a transaction (an index
      // built CONCURRENTLY on a live table) cannot share a wrapping transaction with the others.
      transactional: true,
      allOrNothing: false,
      migrationsList,
    },
  });
}

export function createOrm(options: OrmOptions): Promise<MikroORM> {
  return MikroORM.init(ormConfig(options));
}

/** Applies every pending committed migration; returns the names it applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
