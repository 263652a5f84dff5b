import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options as OrmConfig, PostgreSqlDriver } from '@mikro-orm/postgresql';
import pg from 'pg';
import { entities } from '../entities';
import { migrationsList } from '../migrations';

export interface OrmOptions {
  clientUrl: string;
  /** Maximum connections in each of the ORM's two pools (DATABASE_POOL_MAX; see createOrm). */
  pool?: number;
  /** Log SQL (never enable where secrets may be bound as parameters in shared logs). */
  debug?: boolean;
}

const DEFAULT_POOL_MAX = 10;

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
    pool: { min: 0, max: options.pool ?? DEFAULT_POOL_MAX },
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

/** Each ORM's pool for raw SQL, by its connection (one per ORM, shared by every fork). */
const sqlPools = new WeakMap<object, pg.Pool>();

/**
 * The ORM, and beside knex's pool a `pg.Pool` for raw SQL outside transactions (`sqlPool`), on
 * the same connection settings and type parsers, as large as the ORM's. Raw reads are nearly all
 * of the api's queries, and knex's pool (tarn) costs ~30 µs more per checkout than pg's: a chain
 * of promises and two timers per acquire (docs/performance.md). `orm.close()` ends both pools.
 */
export async function createOrm(options: OrmOptions): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(options));
  const connection = orm.em.getConnection();
  const pool = new pg.Pool({
    ...(connection.getConnectionOptions() as pg.PoolConfig),
    max: options.pool ?? DEFAULT_POOL_MAX,
  });
  // A connection that breaks while idle is dropped by the pool; the next query opens another.
  pool.on('error', () => {});
  sqlPools.set(connection, pool);
  const closeOrm = orm.close.bind(orm);
  orm.close = async (force?: boolean) => {
    await closeOrm(force);
    await pool.end();
  };
  return orm;
}

/** The raw-SQL pool of the ORM `em` belongs to (undefined for an ORM made without createOrm). */
export function sqlPool(em: { getConnection(): object }): pg.Pool | undefined {
  return sqlPools.get(em.getConnection());
}

/** Applies every pending committed migration; returns the names it applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
