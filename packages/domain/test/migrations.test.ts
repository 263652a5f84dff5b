import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm, migrate, migrationsList } from '../src';
import { createTestDatabase, type TestDatabase } from '../src/testing';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(() => db?.drop());

  it('apply every committed migration to an empty database and create every table', async () => {
    const conn = db.orm.em.getConnection();
    const before = await conn.execute(
      `select count(*)::int as n from information_schema.tables where table_schema = 'public'`,
    );
    expect(before[0]?.n).toBe(0);

    const applied = await migrate(db.orm);
    expect(applied).toEqual(migrationsList.map((m) => m.name));

    const tables = await conn.execute<{ table_name: string }[]>(
      `select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'accounts',
      'auth_tokens',
      'balances',
      'counterparty_monthly_flows',
      'counterparty_monthly_totals',
      'mikro_orm_migrations',
      'payment_events',
      'payments',
      'rate_limit_hits',
      'servicers',
      'sessions',
      'skills',
      'steps',
      'sync_runs',
      'transaction_daily_totals',
      'transaction_monthly_totals',
      'transactions',
      'user_skills',
      'users',
    ]);
  });

  it('is a no-op when run again', async () => {
    expect(await migrate(db.orm)).toEqual([]);
  });

  it('leave no drift: the schema diff between the migrated database and the entity metadata is empty', async () => {
    // A second ORM on the same database, as a fresh process would see it.
    const orm = await createOrm({ clientUrl: db.url, pool: 1 });
    try {
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
      expect(await orm.migrator.checkSchema()).toBe(false);
    } finally {
      await orm.close(true);
    }
  });
});
