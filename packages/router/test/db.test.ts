import { ormPool } from '@tenant/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../src/db';
import { createHarness, type Harness } from '../src/testing/harness';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

describe('sql() outside a transaction (the ORM’s pool)', () => {
  it('reads with the ORM’s types: timestamps as Dates to the microsecond’s millisecond, numerics and int8 as text', async () => {
    const row = await sql(h.em()).one<{ at: Date; n: string; x: string }>(
      `select timestamptz '2025-01-31 23:59:59.123456+02' as at, 9007199254740993::int8 as n, 0.1::numeric + 0.2 as x`,
    );
    expect(row?.at).toEqual(new Date('2025-01-31T21:59:59.123Z'));
    expect(row?.n).toBe('9007199254740993');
    expect(row?.x).toBe('0.3');
  });

  it('keeps its connections after a query the server rejects, and gives every one back', async () => {
    const em = h.em();
    const pool = await ormPool(h.db.orm);
    await Promise.all(Array.from({ length: 4 }, () => sql(em).one('select pg_sleep(0.05)')));
    const opened = pool.totalCount;
    expect(opened).toBeGreaterThan(0);

    await expect(sql(em).one('select 1 / 0')).rejects.toMatchObject({ code: '22012' });
    await expect(sql(em).one('select * from no_such_table')).rejects.toMatchObject({ code: '42P01' });
    expect(await sql(em).one<{ x: number }>('select 1::int as x')).toEqual({ x: 1 });

    expect(pool.totalCount).toBe(opened);
    expect(pool.idleCount).toBe(pool.totalCount);
    expect(pool.waitingCount).toBe(0);
  });

  it('refuses an undefined parameter before touching the database', async () => {
    await expect(sql(h.em()).one('select ?::int as x', [undefined])).rejects.toThrow(
      'sql: undefined query parameter',
    );
  });
});
