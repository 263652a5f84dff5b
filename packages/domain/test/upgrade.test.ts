import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault, DEVELOPMENT_VAULT_KEY, migrate, readConsentSecrets, UserSkill } from '../src';
import { applicationTables, createTestDatabase, type TestDatabase } from '../src/testing';
import { V1 } from './fixtures/populate-v1';

// A database written by the first migration set (test/fixtures/schema-v1.sql, frozen by
// make-schema-v1.ts) must survive every later migration with its data intact.

const counts = async (db: TestDatabase) => {
  const em = db.orm.em.fork();
  const result: Record<string, number> = {};
  for (const table of applicationTables(db.orm)) {
    const [row] = await em.execute<{ n: number }[]>(`select count(*)::int as n from ${table}`);
    result[table] = row!.n;
  }
  return result;
};

describe('upgrading a database populated by the first schema', () => {
  let db: TestDatabase;
  let before: Record<string, number>;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
    // A dedicated connection: the dump clears search_path for the session it runs in.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(readFileSync(new URL('./fixtures/schema-v1.sql', import.meta.url), 'utf8'));
    } finally {
      await client.end();
    }
    before = await counts(db);
    await migrate(db.orm);
  });
  afterAll(() => db?.drop());

  it('starts from a populated database, every table holding rows', () => {
    for (const table of applicationTables(db.orm)) expect(before[table], table).toBeGreaterThan(0);
  });

  it('keeps every row of every table', async () => {
    expect(await counts(db)).toEqual(before);
  });

  it('keeps money exact and consents decryptable', async () => {
    const em = db.orm.em.fork();
    for (const amount of V1.amounts) {
      const [row] = await em.execute<{ n: number }[]>(
        'select count(*)::int as n from transactions where amount = ?::numeric',
        [amount],
      );
      expect(row!.n, amount).toBe(1);
    }
    const consent = await em.findOneOrFail(UserSkill, { user: { email: V1.email } });
    expect(readConsentSecrets(createVault([DEVELOPMENT_VAULT_KEY]), consent)).toEqual({
      credentialsId: V1.credentialsId,
      accessToken: V1.accessToken,
    });
  });

  it('fills the daily rollups from the transactions already stored', async () => {
    const em = db.orm.em.fork();
    const rollups = await em.execute(
      `select account_id, day::text as day, currency, direction, count, total::text as total
         from transaction_daily_totals order by 1, 2, 3, 4`,
    );
    const aggregate = await em.execute(
      `select account_id, (booking_date at time zone 'UTC')::date::text as day, currency,
              case when amount < 0 then 'debit' else 'credit' end as direction,
              count(*)::int as count, sum(amount)::numeric(28,4)::text as total
         from transactions where status = 'booked' group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
    );
    expect(aggregate.length).toBeGreaterThan(0);
    expect(rollups).toEqual(aggregate);
  });

  it('fills the monthly rollups from the transactions already stored', async () => {
    const em = db.orm.em.fork();
    const rollups = await em.execute(
      `select account_id, month::text as month, currency, direction, count, total::text as total
         from transaction_monthly_totals order by 1, 2, 3, 4`,
    );
    const aggregate = await em.execute(
      `select account_id, date_trunc('month', booking_date at time zone 'UTC')::date::text as month, currency,
              case when amount < 0 then 'debit' else 'credit' end as direction,
              count(*)::int as count, sum(amount)::numeric(28,4)::text as total
         from transactions where status = 'booked' group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
    );
    expect(aggregate.length).toBeGreaterThan(0);
    expect(rollups).toEqual(aggregate);
  });

  it('ends on the current schema, with nothing left to migrate', async () => {
    const sql = await db.orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(sql.trim()).toBe('');
  });
});
