import { describe, expect, it } from 'vitest';
import { createOrm, sqlPool } from '../src';
import { createTestDatabase } from '../src/testing';

describe('createOrm', () => {
  it('gives the ORM a SQL pool on its own settings and types, which orm.close() ends', async () => {
    const db = await createTestDatabase({ migrate: false });
    try {
      const orm = await createOrm({ clientUrl: db.url, pool: 2 });
      const pool = sqlPool(orm.em.fork());
      if (!pool) throw new Error('no SQL pool');
      expect(sqlPool(orm.em)).toBe(pool);
      expect(sqlPool(db.orm.em)).not.toBe(pool);
      // The ORM's type parsers: timestamps stay PostgreSQL's text, exact to the microsecond.
      const { rows } = await pool.query(`select timestamptz '2025-01-01 10:00:00.123456+00' as at`);
      expect(rows[0].at).toBe('2025-01-01 10:00:00.123456+00');
      expect(pool.totalCount).toBe(1);

      await orm.close(true);
      expect(pool.totalCount).toBe(0);
      await expect(pool.query('select 1')).rejects.toThrow();
    } finally {
      await db.drop();
    }
  });
});
