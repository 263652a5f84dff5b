import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources, so tests never need a prior build.
export default defineConfig({
  resolve: { conditions: ['@tenant/source'] },
  ssr: { resolve: { conditions: ['@tenant/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // One embedded PostgreSQL for the whole run when DATABASE_URL is unset.
    globalSetup: ['../../packages/domain/src/testing/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
