import { packageTestConfig } from '../../vitest.shared';

// One embedded PostgreSQL for the whole run when DATABASE_URL is unset; the soak needs longer.
export default packageTestConfig({
  globalSetup: ['../../packages/domain/src/testing/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 180_000,
});
