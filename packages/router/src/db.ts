import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Raw SQL on the request's EntityManager, inside its transaction when there is one.
 * Placeholders are knex's `?`; numeric columns come back as strings, timestamptz as Date.
 */
export function sql(em: EntityManager) {
  const connection = em.getConnection();
  const ctx = em.getTransactionContext();
  return {
    async all<T>(query: string, params: unknown[] = []): Promise<T[]> {
      return (await connection.execute(query, params, 'all', ctx)) as T[];
    },
    async one<T>(query: string, params: unknown[] = []): Promise<T | undefined> {
      const rows = (await connection.execute(query, params, 'all', ctx)) as T[];
      return rows[0];
    },
    async run(query: string, params: unknown[] = []): Promise<number> {
      const result = (await connection.execute(query, params, 'run', ctx)) as { affectedRows?: number };
      return result.affectedRows ?? 0;
    },
  };
}
