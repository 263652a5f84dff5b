import type { EntityManager } from '@mikro-orm/postgresql';
import { executeRaw } from '@tenant/domain';

/**
 * Runs one parameterised statement on the ORM's connection, inside the entity manager's current
 * transaction when it has one. Parameters stay bind parameters: a page's ~30,000 values travel
 * as one PostgreSQL array per column, never escaped into the SQL text. Placeholders are `?`.
 */
export async function runSql<Row = Record<string, unknown>>(
  em: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  return (await executeRaw<Row>(em, sql, params)).rows;
}
