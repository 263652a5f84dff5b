import { defineConfig } from 'vitest/config';

/**
 * The vitest settings every package shares; each package's vitest.config.ts names only what
 * differs. Workspace packages resolve to their TypeScript sources (the `@tenant/source` export
 * condition), so tests never need a prior build.
 */
export function packageTestConfig(
  options: {
    /** Relative to the package: e.g. one embedded PostgreSQL for the whole run when DATABASE_URL is unset. */
    globalSetup?: string[];
    testTimeout?: number;
    hookTimeout?: number;
  } = {},
) {
  return defineConfig({
    resolve: { conditions: ['@tenant/source'] },
    ssr: { resolve: { conditions: ['@tenant/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      ...(options.globalSetup ? { globalSetup: options.globalSetup } : {}),
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: options.hookTimeout ?? 120_000,
    },
  });
}
