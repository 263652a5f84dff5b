import { describe, expect, it } from 'vitest';
import { createOrm, ormPool } from '../src';
import { createTestDatabase } from '../src/testing';

describe('createOrm', () => {
  it('has one pg pool, with the ORM’s types, which orm.close() ends', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const orm = await createOrm({ clientUrl: db.url, pool: 2 });
      const pool = await ormPool(orm);
      expect(await ormPool(orm)).toBe(pool);
      expect(await ormPool(db.orm)).not.toBe(pool);
      const { rows } = await pool.query(
        `select timestamptz '2025-01-31 23:59:59.123456+02' as at, date '2025-01-31' as day,
                9007199254740993::int8 as n, 0.1::numeric + 0.2 as x`,
      );
      // Instants are Dates (to the millisecond), calendar dates stay text, int8 and numeric stay exact text.
      expect(rows[0]).toEqual({
        at: new Date('2025-01-31T21:59:59.123Z'),
        day: '2025-01-31',
        n: '9007199254740993',
        x: '0.3',
      });
      expect(pool.totalCount).toBe(1);

      await orm.close(true);
      expect(pool.totalCount).toBe(0);
      await expect(pool.query('select 1')).rejects.toThrow();
    } finally {
      await db.drop();
    }
  });
});
