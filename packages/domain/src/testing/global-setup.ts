/**
 * Optional vitest globalSetup: when DATABASE_URL is unset, starts ONE embedded PostgreSQL for the
 * whole run (instead of one per test process) and stops it afterwards. Use it from a package's
 * vitest.config.ts: `globalSetup: ['../../packages/domain/src/testing/global-setup.ts']`.
 */
import { removeTemporaryDataDir, startEmbeddedPostgres, temporaryDataDir } from '../db/embedded';
import { SHARED_TEST_SERVER_ENV } from './shared-server';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.DATABASE_URL || process.env[SHARED_TEST_SERVER_ENV]) return undefined;
  const dataDir = temporaryDataDir('tenant-test-pg-');
  const server = await startEmbeddedPostgres({ dataDir, ephemeral: true });
  // Workers are forked after globalSetup and inherit this.
  process.env[SHARED_TEST_SERVER_ENV] = server.url;
  return async () => {
    delete process.env[SHARED_TEST_SERVER_ENV];
    await server.stop();
    removeTemporaryDataDir(dataDir);
  };
}
