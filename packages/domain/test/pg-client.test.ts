import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db as kyselyOf, ormPool } from '../src';
import { PooledClient } from '../src/db/pg-client';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { seedOwner } from './helpers';

let db: TestDatabase;
let client: PooledClient;
beforeAll(async () => {
  db = await createTestDatabase();
  client = new PooledClient({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

const SERIES = 'select g as n, g::text as label from generate_series(1, $1::int) g';

/** pg's callback form on the same client, as pg answers it. */
function byCallback(text: string, values: unknown[]): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    client.query(text, values, (err: Error, result: pg.QueryResult) => (err ? reject(err) : resolve(result)));
  });
}

describe('the pool’s client', () => {
  it('answers a query asked for as a promise exactly as pg answers it through a callback', async () => {
    const asPromise = await client.query(SERIES, [3]);
    const asCallback = await byCallback(SERIES, [3]);
    expect(asPromise.rows).toEqual([
      { n: 1, label: '1' },
      { n: 2, label: '2' },
      { n: 3, label: '3' },
    ]);
    expect(asPromise.rows).toEqual(asCallback.rows);
    expect(asPromise.fields.map((f: pg.FieldDef) => f.name)).toEqual(['n', 'label']);
    expect([asPromise.command, asPromise.rowCount]).toEqual([asCallback.command, asCallback.rowCount]);
    // A query config object, as pg takes it, too.
    const config = await client.query({ text: SERIES, values: [2], rowMode: 'array' });
    expect(config.rows).toEqual([
      [1, '1'],
      [2, '2'],
    ]);
  });

  it('rejects with pg’s own error, its stack leading back to the caller, and stays usable', async () => {
    const failure = await client.query('select * from no_such_table').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(pg.DatabaseError);
    expect((failure as pg.DatabaseError).code).toBe('42P01');
    expect((failure as Error).stack).toContain('pg-client.test.ts');
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('leaves callbacks and submittables to pg', async () => {
    const result = await byCallback(SERIES, [1]);
    expect(result.rows).toEqual([{ n: 1, label: '1' }]);
    expect(client.query('select 1', () => undefined)).toBeUndefined();
  });

  it('is the client of the ORM’s pool, which Kysely queries and streams through', async () => {
    const pool = await ormPool(db.orm);
    expect((pool as unknown as { Client: unknown }).Client).toBe(PooledClient);
    for (let i = 0; i < 3; i++) await seedOwner(db.orm.em.fork() as EntityManager);
    const kysely = kyselyOf(db.orm.em.fork() as EntityManager);
    const codes = await kysely.selectFrom('servicers').select('code').orderBy('code').execute();
    expect(codes.length).toBeGreaterThan(2);
    // A stream runs on pg-cursor, a submittable: pg answers it as it always has.
    const streamed: string[] = [];
    for await (const row of kysely.selectFrom('servicers').select('code').orderBy('code').stream(2)) {
      streamed.push(row.code);
    }
    expect(streamed).toEqual(codes.map((row) => row.code));
  });
});
