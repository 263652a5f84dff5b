import { type EmbeddedServer, startEmbeddedPostgres, temporaryDataDir } from '../db/embedded';

/** Env variable through which a vitest globalSetup hands its embedded server to the test workers. */
export const SHARED_TEST_SERVER_ENV = 'TENANT_TEST_DATABASE_URL';

let started: Promise<EmbeddedServer> | undefined;

/**
 * The server test databases are created on: DATABASE_URL when set; else the embedded server a
 * globalSetup started for this run; else one embedded server per process, started on first use
 * in a temporary directory and removed at exit.
 */
export async function testServerUrl(): Promise<string> {
  const configured = process.env.DATABASE_URL || process.env[SHARED_TEST_SERVER_ENV];
  if (configured) return configured;
  started ??= startEmbeddedPostgres({
    dataDir: temporaryDataDir('tenant-test-pg-'),
    ephemeral: true,
  });
  return (await started).url;
}
