import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs one parameterised statement on the MikroORM connection, inside the entity manager's
 * current transaction when it has one.
 *
 * Why the connection's knex and not `Connection.execute`: `execute` interpolates every parameter
 * into the SQL text on the client (`platform.formatQuery`), which for a page of 2,000 rows means
 * escaping ~30,000 values into a multi-megabyte string. Going through knex's `raw` keeps them as
 * bind parameters — each column travels as one PostgreSQL array — on the same pool and the same
 * transaction the ORM uses. Placeholders are knex's `?`.
 */
export async function runSql<Row = Record<string, unknown>>(
  em: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  const connection = em.getConnection();
  const query = connection.getKnex().raw(sql, params as never[]);
  const trx = em.getTransactionContext();
  if (trx) query.transacting(trx);
  const result = (await query) as { rows?: Row[] };
  return result.rows ?? [];
}
