import { join } from 'node:path';
import { createDatabaseIfMissing, withDatabase } from '../db/admin';
import { type EmbeddedOptions, startEmbeddedPostgres } from './server';

/** Name of the application database on the embedded server. */
export const EMBEDDED_DATABASE = 'tenant';

export interface EmbeddedDatabase {
  /** The `tenant` database's URL. */
  url: string;
  /** Stops the server if this process started it (a reused one belongs to another process). */
  stop(): Promise<void>;
}

/**
 * The development database of `pnpm start`: the embedded server whose cluster lives in
 * `<dataDir>/pg` (initialised on first use, kept across runs), with the `tenant` database created
 * if missing. A server another process already runs on that directory is reused.
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  options: Pick<EmbeddedOptions, 'onLog'> = {},
): Promise<EmbeddedDatabase> {
  const server = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pg'), ...options });
  try {
    await createDatabaseIfMissing(server.url, EMBEDDED_DATABASE);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: withDatabase(server.url, EMBEDDED_DATABASE), stop: () => server.stop() };
}
