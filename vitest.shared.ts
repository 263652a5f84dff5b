import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Starts one embedded PostgreSQL for a whole run when DATABASE_URL is unset, and stops it after.
 * Without it each test process would start its own, and vitest ends its workers without letting
 * them stop it: every run would leave PostgreSQL servers behind.
 */
const DATABASE_SETUP = fileURLToPath(
  new URL('./packages/domain/src/testing/global-setup.ts', import.meta.url),
);

/**
 * Where each package's results go as JSON, for `pnpm test` to print every failure once the whole
 * run is over (scripts/print-test-failures.mjs): a failure in the middle of two packages' output
 * interleaved is out of sight at the end of a CI log.
 */
const ROOT = fileURLToPath(new URL('.', import.meta.url));
const resultsFile = () =>
  join(ROOT, '.test-results', `${relative(ROOT, process.cwd()).replaceAll('/', '-')}.json`);

/**
 * The vitest settings every package shares; each package's vitest.config.ts names only what
 * differs. Workspace packages resolve to their TypeScript sources (the `@tenant/source` export
 * condition), so tests never need a prior build.
 */
export function packageTestConfig(
  options: {
    /** The tests use PostgreSQL (createTestDatabase): one embedded server for the run if needed. */
    database?: boolean;
    testTimeout?: number;
    hookTimeout?: number;
  } = {},
) {
  return defineConfig({
    resolve: { conditions: ['@tenant/source'] },
    ssr: { resolve: { conditions: ['@tenant/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      reporters: ['default', ['json', { outputFile: resultsFile() }]],
      ...(options.database ? { globalSetup: [DATABASE_SETUP] } : {}),
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: options.hookTimeout ?? 120_000,
    },
  });
}
