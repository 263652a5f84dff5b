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

const flows = (db: TestDatabase) =>
  db.orm.em.fork().execute<
    {
      account_id: string;
      month: string;
      counterparty: string;
      currency: string;
      credit_count: number;
      credit_total: string;
      debit_count: number;
      debit_total: string;
    }[]
  >(
    `select account_id, month::text as month, counterparty, currency, credit_count, credit_total::text as credit_total,
            debit_count, debit_total::text as debit_total
       from counterparty_monthly_flows order by 1, 2, 3, 4`,
  );

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
      // The fixture's transactions name no counterparty: give three of them one, both directions.
      await client.query(
        `update public.transactions set counterparty = 'Fixture Shop' where utx_id in ('utx-0', 'utx-1', 'utx-2')`,
      );
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

  it('fills the counterparty flows from the transactions already stored', async () => {
    const em = db.orm.em.fork();
    const aggregate = await em.execute(
      `select account_id, date_trunc('month', booking_date at time zone 'UTC')::date::text as month, counterparty, currency,
              (count(*) filter (where amount >= 0))::int as credit_count,
              coalesce(sum(amount) filter (where amount >= 0), 0)::numeric(28,4)::text as credit_total,
              (count(*) filter (where amount < 0))::int as debit_count,
              coalesce(sum(amount) filter (where amount < 0), 0)::numeric(28,4)::text as debit_total
         from transactions where status = 'booked' and counterparty <> '' group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
    );
    expect(aggregate.length).toBeGreaterThan(0);
    expect(await flows(db)).toEqual(aggregate);
  });

  it('adds what the previous release still writes to the old counterparty rollup to the flows', async () => {
    const em = db.orm.em.fork();
    const before = await flows(db);
    const existing = before[0] as {
      account_id: string;
      month: string;
      counterparty: string;
      currency: string;
    };
    // The previous release's writer: a delta per direction, added on conflict.
    const upsert = (counterparty: string, direction: string, count: number, total: string) =>
      em.execute(
        `insert into counterparty_monthly_totals (account_id, user_id, month, currency, direction, counterparty, count, total)
         select id, user_id, ?::date, ?, ?, ?, ?, ?::numeric from accounts where id = ?
         on conflict (account_id, month, counterparty, currency, direction) do update
            set count = counterparty_monthly_totals.count + excluded.count,
                total = counterparty_monthly_totals.total + excluded.total`,
        [existing.month, existing.currency, direction, counterparty, count, total, existing.account_id],
      );
    await upsert(existing.counterparty, 'credit', 2, '10.5000');
    await upsert(existing.counterparty, 'debit', 1, '-3.2500');
    await upsert('A counterparty new to the month', 'debit', 1, '-7.0100');

    const key = (r: { account_id: string; month: string; counterparty: string; currency: string }) =>
      `${r.account_id} ${r.month} ${r.counterparty} ${r.currency}`;
    const after = new Map((await flows(db)).map((r) => [key(r), r]));
    const was = before[0] as Record<string, unknown>;
    expect(after.get(key(existing))).toEqual({
      ...was,
      credit_count: (was.credit_count as number) + 2,
      credit_total: (Number(was.credit_total) + 10.5).toFixed(4),
      debit_count: (was.debit_count as number) + 1,
      debit_total: (Number(was.debit_total) - 3.25).toFixed(4),
    });
    expect(after.get(key({ ...existing, counterparty: 'A counterparty new to the month' }))).toMatchObject({
      credit_count: 0,
      credit_total: '0.0000',
      debit_count: 1,
      debit_total: '-7.0100',
    });
    expect(after.size).toBe(before.length + 1);
  });

  it('ends on the current schema, with nothing left to migrate', async () => {
    const sql = await db.orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(sql.trim()).toBe('');
  });
});
