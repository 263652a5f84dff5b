import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrm, db as kyselyOf, type Placeholders, preparedQuery } from '../src';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { seedOwner } from './helpers';

let db: TestDatabase;
let em: () => EntityManager;
beforeAll(async () => {
  db = await createTestDatabase();
  em = () => db.orm.em.fork() as EntityManager;
});
afterAll(() => db?.drop());

type Values = { code?: string; after?: string; limit: number };

const servicers = preparedQuery((kysely, p: Placeholders<Values>) => {
  let query = kysely.selectFrom('servicers').select(['code', 'country']).where('country', '=', 'Romania');
  if (p.code) query = query.where('code', '=', p.code);
  if (p.after) query = query.where('code', '>', p.after);
  return query.orderBy('code').limit(p.limit);
});

describe('preparedQuery', () => {
  it('binds each call’s values into the statement of its shape, whatever the calls before it bound', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { servicerId } = await seedOwner(em());
      codes.push(`s-${servicerId}`);
    }
    codes.sort();
    const [first, second, third] = codes as [string, string, string];

    expect(await servicers(em(), { limit: 10 })).toEqual(codes.map((code) => ({ code, country: 'Romania' })));
    expect(await servicers(em(), { code: second, limit: 10 })).toEqual([
      { code: second, country: 'Romania' },
    ]);
    expect(await servicers(em(), { code: third, limit: 10 })).toEqual([{ code: third, country: 'Romania' }]);
    expect((await servicers(em(), { after: first, limit: 1 })).map((r) => r.code)).toEqual([second]);
    expect((await servicers(em(), { after: second, limit: 1 })).map((r) => r.code)).toEqual([third]);
    expect((await servicers(em(), { code: undefined, limit: 2 })).map((r) => r.code)).toEqual([
      first,
      second,
    ]);
  });

  it('runs inside the entity manager’s transaction when it has one', async () => {
    const seen = await em().transactional(async (tx) => {
      const { servicerId } = await seedOwner(tx);
      return servicers(tx, { code: `s-${servicerId}`, limit: 1 });
    });
    expect(seen).toHaveLength(1);
  });
});

/** The statements prepared on the one connection of an ORM with a pool of one. */
async function preparedOn(orm: MikroORM): Promise<{ name: string; statement: string }[]> {
  const { rows } = await sql<{ name: string; statement: string }>`
    select name, statement from pg_prepared_statements order by name`.execute(
    kyselyOf(orm.em.fork() as EntityManager),
  );
  return rows;
}

describe('preparedQuery on the server', () => {
  it('prepares its statement by name on a connection once, and answers as before', async () => {
    const { servicerId } = await seedOwner(em());
    const orm = await createOrm({ clientUrl: db.url, pool: 1 });
    try {
      const calls = await Promise.all(
        [1, 2, 3].map(() => servicers(orm.em.fork() as EntityManager, { code: `s-${servicerId}`, limit: 1 })),
      );
      for (const rows of calls) expect(rows).toEqual([{ code: `s-${servicerId}`, country: 'Romania' }]);
      const prepared = await preparedOn(orm);
      expect(prepared).toHaveLength(1);
      expect(prepared[0]?.name).toMatch(/^tenant_\d+$/);
      expect(prepared[0]?.statement).toContain('"servicers"');
    } finally {
      await orm.close();
    }
  });

  it('prepares nothing when DATABASE_PREPARED_STATEMENTS is false (a pooler that keeps no statements)', async () => {
    const { servicerId } = await seedOwner(em());
    const orm = await createOrm({ clientUrl: db.url, pool: 1, preparedStatements: false });
    try {
      expect(await servicers(orm.em.fork() as EntityManager, { code: `s-${servicerId}`, limit: 1 })).toEqual([
        { code: `s-${servicerId}`, country: 'Romania' },
      ]);
      expect(await preparedOn(orm)).toEqual([]);
    } finally {
      await orm.close();
    }
  });
});
