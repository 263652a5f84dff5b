import { Migrator } from '@mikro-orm/migrations';
import {
  createPostgreSqlTypeParsers,
  defineConfig,
  MikroORM,
  type Options as OrmConfig,
  PostgreSqlDriver,
} from '@mikro-orm/postgresql';
import pg from 'pg';
import { entities } from '../entities';
import { migrationsList } from '../migrations';
import { PooledClient, type PooledClientConfig } from './pg-client';

export interface OrmOptions {
  clientUrl: string;
  /** Maximum connections in the ORM's pool (DATABASE_POOL_MAX). */
  pool?: number;
  /** Log SQL (never enable where secrets may be bound as parameters in shared logs). */
  debug?: boolean;
  /** Prepare preparedQuery's statements by name on each connection (DATABASE_PREPARED_STATEMENTS, default true). */
  preparedStatements?: boolean;
}

const DEFAULT_POOL_MAX = 10;

/** Name of the MikroORM migrations bookkeeping table. */
export const MIGRATIONS_TABLE = 'mikro_orm_migrations';

const TIMESTAMPTZ = 1184;
const TEXT_ARRAY = 1009;

/**
 * The pool's type parsers: MikroORM's (dates, timestamps and intervals kept as PostgreSQL's text),
 * except timestamptz, parsed to a Date by `pg`. Every instant column is timestamptz, so a query
 * through Kysely returns exactly the `Date` its entity-derived type promises; the ORM's own
 * hydration takes a Date as it is. numeric and int8 stay text (exact money, no 2^53 overflow).
 */
function typeParsers(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  const parsers = createPostgreSqlTypeParsers(
    pg.types.getTypeParser(TEXT_ARRAY as never) as (text: string) => string[],
  );
  for (const [oid, parse] of Object.entries(parsers)) types.setTypeParser(Number(oid), parse);
  types.setTypeParser(TIMESTAMPTZ, pg.types.getTypeParser(TIMESTAMPTZ));
  return types;
}

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
    metadataCache: { enabled: false },
    debug: options.debug ?? false,
    pool: { min: 0, max: options.pool ?? DEFAULT_POOL_MAX },
    // Foreign keys as the committed schema has them (MikroORM 6 added ON UPDATE CASCADE to every
    // many-to-one; 7 no longer infers it). Primary keys are uuids that never change.
    schemaGenerator: { defaultUpdateRule: 'cascade' },
    // Handed to the pg.Pool MikroORM creates (its driver options are pg's since MikroORM 7).
    // (pg.Pool hands its options to each client it makes: `namedStatements` is PooledClient's.)
    driverOptions: {
      types: typeParsers(),
      Client: PooledClient,
      namedStatements: options.preparedStatements ?? true,
    } satisfies PooledClientConfig & { Client: typeof PooledClient },
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

/** The ORM. Its one `pg.Pool` serves entity loads, transactions and Kysely queries alike. */
export async function createOrm(options: OrmOptions): Promise<MikroORM> {
  return MikroORM.init(ormConfig(options));
}

/** The `pg.Pool` under the ORM (for pool gauges; queries go through `db(em)`). */
export async function ormPool(orm: MikroORM): Promise<pg.Pool> {
  return (await orm.em.getConnection().getNativeClient()) as pg.Pool;
}

/** Applies every pending committed migration; returns the names it applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

/** The names of the committed migrations this database has not applied yet, in order. */
export async function pendingMigrations(orm: MikroORM): Promise<string[]> {
  const pending = await orm.migrator.getPending();
  return pending.map((m) => m.name);
}
