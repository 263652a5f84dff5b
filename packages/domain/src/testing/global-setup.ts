/**
 * Optional vitest globalSetup: when DATABASE_URL is unset, starts ONE embedded PostgreSQL for the
 * whole run (instead of one per test process) and stops it afterwards. A package's vitest.config.ts
 * asks for it with `packageTestConfig({ database: true })` (vitest.shared.ts).
 */
import { startTemporaryPostgres } from '../embedded/server';
import { SHARED_TEST_SERVER_ENV } from './shared-server';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.DATABASE_URL || process.env[SHARED_TEST_SERVER_ENV]) return undefined;
  const server = await startTemporaryPostgres();
  // Workers are forked after globalSetup and inherit this.
  process.env[SHARED_TEST_SERVER_ENV] = server.url;
  return async () => {
    delete process.env[SHARED_TEST_SERVER_ENV];
    await server.stop();
  };
}
