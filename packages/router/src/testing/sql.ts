import type { EntityManager } from '@mikro-orm/postgresql';
import { executeRaw } from '@tenant/domain';

/**
 * Tests only: an ad-hoc statement about rows (a fixture, an assertion), on `em`'s pool or
 * transaction. Placeholders are `?`; numeric and int8 come back as strings, timestamptz as Date.
 * The router itself runs every query through Kysely typed from the entities (`db(em)`).
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
