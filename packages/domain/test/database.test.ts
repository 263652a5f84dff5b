import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { db, executeRaw, jsonb, ormPool } from '../src';
import { createTestDatabase, type TestDatabase } from '../src/testing';

let database: TestDatabase;
let em: () => EntityManager;
beforeAll(async () => {
  database = await createTestDatabase();
  em = () => database.orm.em.fork() as EntityManager;
});
afterAll(() => database?.drop());

describe('db(em): Kysely on the ORM’s pool', () => {
  it('reads with the ORM’s types: timestamps as Dates to the millisecond, numerics and int8 as exact text', async () => {
    const { rows } = await sql<{ at: Date; n: string; x: string }>`
      select timestamptz '2025-01-31 23:59:59.123456+02' as at, 9007199254740993::int8 as n, 0.1::numeric + 0.2 as x`.execute(
      db(em()),
    );
    expect(rows).toEqual([{ at: new Date('2025-01-31T21:59:59.123Z'), n: '9007199254740993', x: '0.3' }]);
  });

  it('keeps its connections after statements the server rejects, and gives every one back', async () => {
    const kysely = db(em());
    const pool = await ormPool(database.orm);
    await Promise.all(Array.from({ length: 4 }, () => sql`select pg_sleep(0.05)`.execute(kysely)));
    const opened = pool.totalCount;
    expect(opened).toBeGreaterThan(0);

    await expect(sql`select 1 / 0`.execute(kysely)).rejects.toMatchObject({ code: '22012' });
    await expect(sql`select * from no_such_table`.execute(kysely)).rejects.toMatchObject({ code: '42P01' });
    expect((await sql<{ x: number }>`select 1::int as x`.execute(kysely)).rows).toEqual([{ x: 1 }]);

    expect(pool.totalCount).toBe(opened);
    expect(pool.idleCount).toBe(pool.totalCount);
    expect(pool.waitingCount).toBe(0);
  });

  it('runs on the transaction of the entity manager em.transactional hands its callback, and rolls back with it', async () => {
    const code = `rollback-${Date.now()}`;
    await expect(
      em().transactional(async (tx) => {
        await db(tx).insertInto('servicers').values({ code, name: 'Bank', country: 'Romania' }).execute();
        const seen = await db(tx).selectFrom('servicers').select('code').where('code', '=', code).execute();
        expect(seen).toEqual([{ code }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db(em()).selectFrom('servicers').select('code').where('code', '=', code).execute()).toEqual(
      [],
    );
  });

  it('writes a json array as jsonb, not as a PostgreSQL array (jsonb)', async () => {
    const { rows } = await sql<{ v: unknown }>`select ${jsonb([1, { a: 'b' }])} as v`.execute(db(em()));
    expect(rows).toEqual([{ v: [1, { a: 'b' }] }]);
  });

  it('executeRaw refuses an undefined parameter before touching the database', async () => {
    await expect(executeRaw(em(), 'select ?::int as x', [undefined])).rejects.toThrow(
      'sql: undefined query parameter',
    );
  });

  it('types each row from the entities, so a query naming a column that does not exist fails tsc', async () => {
    const [row] = await db(em())
      .selectFrom('transactions')
      .select(['booking_date', 'amount', 'status', 'counterparty'])
      .limit(1)
      .execute();
    if (row) {
      expectTypeOf(row.booking_date).toEqualTypeOf<Date>();
      expectTypeOf(row.amount).toEqualTypeOf<string>();
      expectTypeOf(row.status).toEqualTypeOf<'booked' | 'pending'>();
      expectTypeOf(row.counterparty).toEqualTypeOf<string | null>();
    }
    // Compiled, never run: the package's typecheck fails if these names ever become columns.
    const unchecked = () => [
      // @ts-expect-error: transactions has booking_date, not booked_at
      db(em()).selectFrom('transactions').select('booked_at'),
      // @ts-expect-error: a property's camelCase name is not its column's
      db(em()).selectFrom('transactions').select('bookingDate'),
    ];
    expect(typeof unchecked).toBe('function');
  });
});
