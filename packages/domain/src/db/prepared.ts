import type { EntityManager } from '@mikro-orm/postgresql';
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import { type Database, db } from './database';

/** Stands for one named value while a prepared query is built; compiled into a bind parameter. */
class Placeholder {
  constructor(readonly name: string) {}
}

/**
 * The values a prepared query is built with: each value given for the call is a placeholder for
 * it, each one left out is `undefined`, so `if (p.from) query = query.where(…, p.from)` builds the
 * shape of the call. Placeholders are opaque: compute with values before the call (a LIKE pattern,
 * a decoded cursor), never inside the builder.
 */
export type Placeholders<Values> = { readonly [K in keyof Values]: Values[K] };

type Compiled = { sql: string; parameters: readonly unknown[] };

/** The statements preparedQuery compiled, by their text, with the name each is prepared under. */
const statementNames = new Map<string, string>();

/**
 * The name under which the pool's client prepares `text` on a connection (pg-client.ts), if it is
 * a statement preparedQuery compiled: a bounded set, one per query and shape.
 */
export function statementName(text: string): string | undefined {
  return statementNames.get(text);
}

/**
 * A query Kysely builds and compiles once per shape (the set of values given), then runs with
 * each call's values bound: building and compiling costs tens of microseconds a call (far more
 * for a sync's statements of a dozen CTEs), on the request nearly all of a front-end's traffic is
 * (`transactions.list`) and on every sync. The statement is also prepared on the server, by name,
 * once per connection (`statementName`; DATABASE_PREPARED_STATEMENTS), so PostgreSQL parses it
 * once and is not sent its text again. After five calls it runs one plan for all values (a generic
 * plan), made without knowing them: a range given as two bounds is estimated at a handful of rows,
 * so a query whose plan depends on the range's size takes its range as an array (the top
 * counterparties' months). The rows are typed by the query, as with any Kysely query.
 */
export function preparedQuery<Values extends Record<string, unknown>, Row>(
  build: (kysely: Kysely<Database>, p: Placeholders<Values>) => Compilable<Row>,
): (em: EntityManager, values: Values) => Promise<Row[]> {
  const shapes = new Map<string, Compiled>();
  return async (em, values) => {
    const kysely = db(em);
    let shape = '';
    for (const key in values) if (values[key] !== undefined) shape += `${key},`;
    let compiled = shapes.get(shape);
    if (!compiled) {
      const p: Record<string, unknown> = {};
      for (const key in values) if (values[key] !== undefined) p[key] = new Placeholder(key);
      compiled = build(kysely, p as Placeholders<Values>).compile();
      shapes.set(shape, compiled);
      if (!statementNames.has(compiled.sql))
        statementNames.set(compiled.sql, `tenant_${statementNames.size + 1}`);
    }
    const parameters = compiled.parameters.map((value) =>
      value instanceof Placeholder ? values[value.name] : value,
    );
    const result = await kysely.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters));
    return result.rows;
  };
}
