import type { Config } from '@tenant/domain';
import * as domain from '@tenant/domain';

export type ResolvedDatabase = { url: string; embedded: boolean; stop(): Promise<void> };

type Resolver = (config: Config, options?: { onLog?: (line: string) => void }) => Promise<ResolvedDatabase>;

/**
 * DATABASE_URL, or (development) the embedded PostgreSQL under .data/.
 * ADAPTER: delegates to `@tenant/domain`'s `resolveDatabase` bootstrap; without it only DATABASE_URL works.
 */
export async function resolveWorkerDatabase(config: Config): Promise<ResolvedDatabase> {
  const resolve = (domain as unknown as { resolveDatabase?: Resolver }).resolveDatabase;
  if (resolve) return resolve(config);
  if (!config.database.url)
    throw new Error('DATABASE_URL is not set (and this build has no embedded PostgreSQL bootstrap)');
  return { url: config.database.url, embedded: false, stop: async () => undefined };
}
