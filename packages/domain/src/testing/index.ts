import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createDatabaseIfMissing, databaseName, dropDatabase, withDatabase } from '../db/admin';
import { createOrm, migrate } from '../db/orm';
import { testServerUrl } from './shared-server';

export { SHARED_TEST_SERVER_ENV, stopTestServer, testServerUrl } from './shared-server';

export interface TestDatabase {
  /** Connection URL of the fresh database (hand it to pg-boss, pg.Pool, another ORM…). */
  url: string;
  /** An ORM connected to it, schema migrated. */
  orm: MikroORM;
  /** Closes the ORM and drops the database (disconnecting any other client still on it). */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Apply the committed migrations (default true). */
  migrate?: boolean;
  /** Pool size of the returned ORM (default 5). */
  pool?: number;
}

/**
 * A fresh, uniquely named database per call, so test files (and tests within one) never share
 * state and can run in parallel. Created on the server at DATABASE_URL, or on an embedded
 * PostgreSQL when DATABASE_URL is unset.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = await testServerUrl();
  const name = `tenant_test_${process.pid}_${randomBytes(5).toString('hex')}`;
  const adminUrl = withDatabase(serverUrl, databaseName(serverUrl));
  await createDatabaseIfMissing(adminUrl, name);
  const url = withDatabase(serverUrl, name);
  const orm = await createOrm({ clientUrl: url, pool: options.pool ?? 5 });
  try {
    if (options.migrate ?? true) await migrate(orm);
  } catch (error) {
    await orm.close(true);
    await dropDatabase(adminUrl, name);
    throw error;
  }
  let dropped = false;
  return {
    url,
    orm,
    async drop() {
      if (dropped) return;
      dropped = true;
      await orm.close(true);
      await dropDatabase(adminUrl, name);
    },
  };
}

/**
 * Every table the entities map, from the ORM's metadata: tests that count or compare rows "in
 * every table" cover a table added later without a list to keep in step.
 */
export function applicationTables(orm: MikroORM): string[] {
  return Object.values(orm.getMetadata().getAll())
    .filter((meta) => !meta.embeddable && !meta.virtual && meta.tableName)
    .map((meta) => meta.tableName)
    .sort();
}
