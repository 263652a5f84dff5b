/**
 * pnpm --filter @tenant/domain exec tsx --conditions=@tenant/source bench/query-build.ts
 *
 * What a request pays in our own code before its statement reaches `pg`, for the statement of
 * `transactions.list` (a keyset page of one user's rows): Kysely building and compiling it on
 * every call, against `preparedQuery` (compiled once per shape, values bound per call). No
 * database: the query runs on a driver that answers no rows at once. Microseconds per call.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely';
import { type Database, type Placeholders, preparedQuery } from '../src';

const connection: DatabaseConnection = {
  executeQuery: async () => ({ rows: [] }),
  streamQuery: async function* () {},
};
const driver: Driver = {
  init: async () => undefined,
  acquireConnection: async () => connection,
  beginTransaction: async () => undefined,
  commitTransaction: async () => undefined,
  rollbackTransaction: async () => undefined,
  releaseConnection: async () => undefined,
  destroy: async () => undefined,
};
const kysely = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => driver,
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});
// preparedQuery asks the entity manager for its Kysely, and nothing else.
const em = { getKysely: () => kysely } as unknown as EntityManager;

type Values = { userId: string; afterBookingDate?: string; afterId?: string; limit: number };

function build(k: Kysely<Database>, p: Placeholders<Values>) {
  let query = k
    .selectFrom('transactions as t')
    .select([
      't.id',
      't.account_id as accountId',
      't.status',
      't.amount',
      't.credit_debit_indicator as creditDebitIndicator',
      't.currency',
      sql<string>`(extract(epoch from t.booking_date) * 1000000)::int8`.as('bookingDate'),
      't.balance_after as balanceAfter',
      't.description',
      't.counterparty',
      't.category',
    ])
    .where('t.user_id', '=', p.userId);
  const { afterBookingDate, afterId } = p;
  if (afterBookingDate && afterId) {
    query = query.where((eb) =>
      eb(
        eb.refTuple('t.booking_date', 't.id'),
        '<',
        eb.tuple(sql<Date>`${afterBookingDate}::timestamptz`, sql<string>`${afterId}::uuid`),
      ),
    );
  }
  return query.orderBy('t.booking_date', 'desc').orderBy('t.id', 'desc').limit(p.limit);
}

const values: Values = {
  userId: '00000000-0000-4000-8000-000000000001',
  afterBookingDate: '2026-11-30T12:00:00.123456Z',
  afterId: '00000000-0000-4000-8000-000000000002',
  limit: 101,
};
const prepared = preparedQuery(build);

async function measure(name: string, call: () => Promise<unknown>) {
  for (let i = 0; i < 5_000; i++) await call();
  const n = 50_000;
  const start = performance.now();
  for (let i = 0; i < n; i++) await call();
  console.log(`  ${name.padEnd(40)} ${(((performance.now() - start) * 1000) / n).toFixed(1)} µs per call`);
}

console.log('query-build — the statement of transactions.list, no database');
await measure('Kysely, built and compiled every call', () => build(kysely, values).execute());
await measure('preparedQuery (compiled once per shape)', () => prepared(em, values));
await kysely.destroy();
