import { join } from 'node:path';
import type { Config } from '../config';
import { dataDir } from '../paths';
import { createDatabaseIfMissing, withDatabase } from './admin';
import { startEmbeddedPostgres } from './embedded';

/** Name of the application database on the embedded server. */
export const EMBEDDED_DATABASE = 'tenant';

export interface ResolvedDatabase {
  url: string;
  /** True when this process started (or reused) an embedded PostgreSQL under the data dir. */
  embedded: boolean;
  /** Stops the embedded server this process started; a no-op otherwise. */
  stop(): Promise<void>;
}

export interface ResolveOptions {
  onLog?: (line: string) => void;
}

/**
 * The database to use: DATABASE_URL when set; otherwise an embedded PostgreSQL whose data lives
 * in `<TENANT_DATA_DIR or repo root/.data>/pg` (initialised on first use, kept across runs), on a
 * free port, with the `tenant` database created if missing. If another process already runs the
 * embedded server on that directory, it is reused.
 */
export async function resolveDatabase(
  config: Pick<Config, 'database'>,
  options: ResolveOptions = {},
): Promise<ResolvedDatabase> {
  if (config.database.url) {
    return { url: config.database.url, embedded: false, stop: async () => undefined };
  }
  return startEmbeddedDatabase(config.database.dataDir, options);
}

/**
 * The embedded half of `resolveDatabase`, whatever DATABASE_URL says: the server in
 * `<configuredDataDir or repo root/.data>/pg`, with the `tenant` database created if missing.
 */
export async function startEmbeddedDatabase(
  configuredDataDir: string | undefined,
  options: ResolveOptions = {},
): Promise<ResolvedDatabase> {
  const server = await startEmbeddedPostgres({
    dataDir: join(dataDir(configuredDataDir), 'pg'),
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
  try {
    await createDatabaseIfMissing(server.url, EMBEDDED_DATABASE);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: withDatabase(server.url, EMBEDDED_DATABASE), embedded: true, stop: () => server.stop() };
}
