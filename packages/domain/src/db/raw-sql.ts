import type { EntityManager } from '@mikro-orm/postgresql';
import { CompiledQuery } from 'kysely';

export interface RawResult<Row> {
  rows: Row[];
  /** Rows an INSERT/UPDATE/DELETE touched; the row count for anything else. */
  rowCount: number;
}

/** `?` placeholders (the style the statements are written in) → PostgreSQL's `$1…$n`. */
function toPgPlaceholders(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/**
 * Runs one parameterised statement through the ORM's Kysely: on its pool, or in `em`'s
 * transaction when it has one. Parameters stay bind parameters (a page's column arrays travel as
 * one PostgreSQL array each, never escaped into the text).
 */
export async function executeRaw<Row = Record<string, unknown>>(
  em: EntityManager,
  text: string,
  params: readonly unknown[] = [],
): Promise<RawResult<Row>> {
  if (params.includes(undefined)) throw new Error('sql: undefined query parameter');
  const result = await em
    .getKysely()
    .executeQuery<Row>(CompiledQuery.raw(toPgPlaceholders(text), [...params]));
  const rows = result.rows as Row[];
  return {
    rows,
    rowCount: result.numAffectedRows === undefined ? rows.length : Number(result.numAffectedRows),
  };
}
