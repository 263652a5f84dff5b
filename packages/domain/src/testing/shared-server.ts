import { type EmbeddedServer, startTemporaryPostgres } from '../embedded/server';

/** Env variable through which a vitest globalSetup hands its embedded server to the test workers. */
export const SHARED_TEST_SERVER_ENV = 'TENANT_TEST_DATABASE_URL';

let started: Promise<EmbeddedServer> | undefined;

/**
 * The server test databases are created on: DATABASE_URL when set; else the embedded server a
 * globalSetup started for this run; else one embedded server per process, started on first use
 * in a temporary directory that `stopTestServer` removes.
 */
export async function testServerUrl(): Promise<string> {
  const configured = process.env.DATABASE_URL || process.env[SHARED_TEST_SERVER_ENV];
  if (configured) return configured;
  started ??= startTemporaryPostgres();
  return (await started).url;
}

/**
 * Stops the embedded server `testServerUrl` started in this process, if it did. Scripts
 * (benchmarks, the soak) call it last: the server's child process would otherwise keep them
 * alive, or outlive them if they exit by hand. Test runs use the globalSetup's server instead.
 */
export async function stopTestServer(): Promise<void> {
  const server = started;
  started = undefined;
  if (server) await (await server).stop();
}
