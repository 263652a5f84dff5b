import type { EntityManager } from '@mikro-orm/postgresql';

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
/** The parts of knex's client (its pool, its placeholder rewriting) a query needs. */
type KnexClient = {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<unknown>;
  positionBindings(sql: string): string;
};

/**
 * A query on a connection of knex's own pool, without knex's query machinery around it (a Raw,
 * a Runner, binding checks, events): ~35 µs less CPU per query, which on a list call is a tenth of
 * what the api adds to the database's work. Placeholders are rewritten by knex itself.
 */
async function pooledQuery(client: KnexClient, text: string, params: readonly unknown[]): Promise<PgResult> {
  if (params.includes(undefined)) throw new Error('sql: undefined query parameter');
  const connection = await client.acquireConnection();
  try {
    // pg's callback form, not the promise `query(text, params)` returns: with the promise form,
    // each result's rows and strings outlived two scavenges and were promoted to the old
    // generation (~10 KB a query, measured with --trace-gc-nvp; 2 KB with the callback), tripling
    // the api's garbage-collection time under load (docs/performance.md).
    return await new Promise<PgResult>((resolve, reject) => {
      connection.query(client.positionBindings(text), params, (err, result) =>
        err ? reject(err) : resolve(result),
      );
    });
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * Raw SQL on the request's EntityManager, inside its transaction when there is one.
 * Placeholders are knex's `?`; numeric columns come back as strings, timestamps as Date.
 */
export function sql(em: EntityManager) {
  const transaction = em.getTransactionContext() as Raw | undefined;
  const client = (em.getConnection().getKnex() as unknown as { client: KnexClient }).client;
  async function query(text: string, params: unknown[]): Promise<PgResult> {
    const result = transaction
      ? await transaction.raw(text, params)
      : await pooledQuery(client, text, params);
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
      return (await query(text, params)).rows as T[];
    },
    async one<T>(text: string, params: unknown[] = []): Promise<T | undefined> {
      return (await query(text, params)).rows[0] as T | undefined;
    },
    async run(text: string, params: unknown[] = []): Promise<number> {
      return (await query(text, params)).rowCount ?? 0;
    },
  };
}
