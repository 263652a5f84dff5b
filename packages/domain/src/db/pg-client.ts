import pg from 'pg';
import { statementName } from './prepared';

/** pg's own query, its overloads as one (they are only passed through). */
const pgQuery = pg.Client.prototype.query as unknown as (this: pg.Client, ...args: unknown[]) => unknown;

/** A query pg answers through a callback or a submittable of its own (a cursor): left to pg as is. */
function answeredByPg(config: unknown, values: unknown, callback: unknown): boolean {
  if (callback !== undefined || typeof values === 'function') return true;
  if (typeof config !== 'object' || config === null) return false;
  return typeof (config as { submit?: unknown }).submit === 'function' || 'callback' in config;
}

/** The pool's options, as pg.Pool hands them to each client it makes. */
export type PooledClientConfig = pg.ClientConfig & {
  /** Prepare the statements preparedQuery compiled on the server, by name (default true). */
  namedStatements?: boolean;
};

/**
 * The pool's client: pg's own, except that a query asked for as a promise (`client.query(sql,
 * params)`, which is how Kysely asks for every query) runs through pg's callback form, with the
 * promise made here and rejected as pg rejects its own (the error's stack taken again when it is
 * awaited), and is prepared by name when preparedQuery compiled it.
 *
 * Why the callback form: under concurrent load, answers pg delivers through its own promise are
 * still reachable when V8 collects the young generation, so each page of rows is copied and
 * promoted to the old one, where only full collections free it; through the callback form they
 * are not. At 32 concurrent 101-row queries on a 16-connection pool: 7.7 MB survived each scavenge
 * against 0.4 MB, 1,226 ms of GC pauses against 171 for 20,000 queries, 360 µs of CPU a query
 * against 239 (docs/performance.md, "The pool's client", with how to re-run it).
 *
 * Why by name: pg then sends a statement's text and PostgreSQL parses it once per connection,
 * where an unnamed statement is sent and parsed on every call; a sync's statements are several
 * kilobytes of CTEs (docs/performance.md, "Fleet throughput").
 */
export class PooledClient extends pg.Client {
  readonly #namedStatements: boolean;

  constructor(config?: string | PooledClientConfig) {
    super(config);
    this.#namedStatements = typeof config === 'object' ? (config.namedStatements ?? true) : true;
  }

  // biome-ignore lint/suspicious/noExplicitAny: one signature for pg's overloads, whose results it returns.
  override query(config: unknown, values?: unknown, callback?: unknown): any {
    if (answeredByPg(config, values, callback)) return pgQuery.call(this, config, values, callback);
    const name = this.#namedStatements && typeof config === 'string' ? statementName(config) : undefined;
    return new Promise<pg.QueryResult>((resolve, reject) => {
      pgQuery.call(
        this,
        name ? { name, text: config } : config,
        values,
        (err: Error | undefined, result: pg.QueryResult) => (err ? reject(err) : resolve(result)),
      );
    }).catch((err: Error) => {
      Error.captureStackTrace(err);
      throw err;
    });
  }
}
