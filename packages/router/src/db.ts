import type { EntityManager } from '@mikro-orm/postgresql';
import { sqlPool } from '@tenant/domain';

const TIMESTAMPTZ = 1184;
const TIMESTAMP = 1114;
const PG_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(?:([+-]\d{2})(?::?(\d{2}))?)?$/;

/**
 * MikroORM's pg connection returns timestamps as strings ("2026-01-10 10:00:00.123456+00");
 * rows read here get Dates, converted by column type, never by guessing from the value.
 */
export function parsePgTimestamp(value: string): Date {
  const m = PG_TIMESTAMP.exec(value);
  if (!m) return new Date(Number.NaN);
  const fraction = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : '.000';
  return new Date(`${m[1]}T${m[2]}${fraction}${m[4] ? `${m[4]}:${m[5] ?? '00'}` : 'Z'}`);
}

type PgResult = {
  rows: Record<string, unknown>[];
  rowCount: number | null;
  fields?: { name: string; dataTypeID: number }[];
};
type Raw = { raw(query: string, params: readonly unknown[]): Promise<PgResult> };
type PgConnection = {
  query(
    text: string,
    params: readonly unknown[],
    callback: (err: Error | null, result: PgResult) => void,
  ): void;
};
/** knex's client: its placeholder rewriting (`?` → `$1`). */
type KnexClient = { positionBindings(sql: string): string };
type PooledConnection = PgConnection & { release(err?: Error): void };
type Pool = { connect(): Promise<PooledConnection> };

/**
 * pg's callback form, not the promise `query(text, params)` returns: with the promise form each
 * result's rows and strings outlived two scavenges and were promoted to the old generation
 * (~10 KB a query, measured with --trace-gc-nvp; 2 KB with the callback), tripling the api's
 * garbage-collection time under load (docs/performance.md).
 */
function query(connection: PgConnection, text: string, params: readonly unknown[]): Promise<PgResult> {
  return new Promise<PgResult>((resolve, reject) => {
    connection.query(text, params, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/**
 * A query outside any transaction, on a connection of the ORM's SQL pool (createOrm), without
 * knex's query machinery around it (a Raw, a Runner, binding checks, events). An error from the
 * server (it has a SQLSTATE `code`) leaves the connection usable; any other discards it.
 */
async function pooledQuery(pool: Pool, statement: string, params: readonly unknown[]): Promise<PgResult> {
  if (params.includes(undefined)) throw new Error('sql: undefined query parameter');
  const connection = await pool.connect();
  try {
    const result = await query(connection, statement, params);
    connection.release();
    return result;
  } catch (err) {
    connection.release(typeof (err as { code?: unknown }).code === 'string' ? undefined : (err as Error));
    throw err;
  }
}

/** The SQL pool createOrm opened for the ORM `em` belongs to. */
function poolOf(em: EntityManager): Pool {
  const pool = sqlPool(em);
  if (!pool) throw new Error('sql: the EntityManager is not of an ORM made by createOrm');
  return pool as unknown as Pool;
}

/**
 * Raw SQL on the request's EntityManager, inside its transaction when there is one.
 * Placeholders are knex's `?`; numeric columns come back as strings, timestamps as Date.
 */
export function sql(em: EntityManager) {
  const transaction = em.getTransactionContext() as Raw | undefined;
  const client = (em.getConnection().getKnex() as unknown as { client: KnexClient }).client;
  const pool = poolOf(em);
  async function run(text: string, params: unknown[]): Promise<PgResult> {
    const result = transaction
      ? await transaction.raw(text, params)
      : await pooledQuery(pool, client.positionBindings(text), params);
    const dates = (result.fields ?? [])
      .filter((f) => f.dataTypeID === TIMESTAMPTZ || f.dataTypeID === TIMESTAMP)
      .map((f) => f.name);
    if (dates.length > 0) {
      for (const row of result.rows) {
        for (const name of dates) {
          const value = row[name];
          if (typeof value === 'string') row[name] = parsePgTimestamp(value);
        }
      }
    }
    return result;
  }
  return {
    async all<T>(text: string, params: unknown[] = []): Promise<T[]> {
      return (await run(text, params)).rows as T[];
    },
    async one<T>(text: string, params: unknown[] = []): Promise<T | undefined> {
      return (await run(text, params)).rows[0] as T | undefined;
    },
    async run(text: string, params: unknown[] = []): Promise<number> {
      return (await run(text, params)).rowCount ?? 0;
    },
  };
}
