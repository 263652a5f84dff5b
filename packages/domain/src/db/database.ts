import type { EntityManager, InferKyselyDB } from '@mikro-orm/postgresql';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { entities } from '../entities';

/**
 * The database as Kysely sees it, inferred from the entities: tables and columns under their
 * PostgreSQL names (`transactions.booking_date`), each column typed from its property (a `Date`
 * for a datetime, a decimal string for money, the declared type of a json property). Renaming or
 * retyping a property changes this type, and `tsc` fails on every query that used the old column.
 * (An interface, not a type alias, so declarations name it instead of spelling every table out.)
 */
export interface Database extends InferKyselyDB<(typeof entities)[number]> {}

/**
 * The one way to run SQL: Kysely, typed from the entities, on the ORM's pool — or on `em`'s
 * transaction when `em` is the one `em.transactional(async (em) => …)` hands its callback.
 * Result rows are typed by the query itself; nothing declares them by hand.
 */
export function db(em: EntityManager): Kysely<Database> {
  return em.getKysely<Database>();
}

/**
 * A jsonb value for a query: `pg` would send a JS array as a PostgreSQL array, so json values go
 * as their text with a cast, typed as what they hold.
 */
export function jsonb<T>(value: T): RawBuilder<T> {
  return sql<T>`${JSON.stringify(value)}::jsonb`;
}
