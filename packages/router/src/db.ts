import type { EntityManager } from '@mikro-orm/postgresql';
import { executeRaw } from '@tenant/domain';

/**
 * Raw SQL on the request's EntityManager, inside its transaction when there is one.
 * Placeholders are `?`; numeric and int8 columns come back as strings, timestamptz as Date.
 */
export function sql(em: EntityManager) {
  return {
    async all<T>(text: string, params: unknown[] = []): Promise<T[]> {
      return (await executeRaw<T>(em, text, params)).rows;
    },
    async one<T>(text: string, params: unknown[] = []): Promise<T | undefined> {
      return (await executeRaw<T>(em, text, params)).rows[0];
    },
    async run(text: string, params: unknown[] = []): Promise<number> {
      return (await executeRaw(em, text, params)).rowCount;
    },
  };
}
