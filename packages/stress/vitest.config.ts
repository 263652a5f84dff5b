import { packageTestConfig } from '../../vitest.shared.ts';

// One embedded PostgreSQL for the whole run when DATABASE_URL is unset; the soak needs longer.
export default packageTestConfig({
  database: true,
  testTimeout: 60_000,
  hookTimeout: 180_000,
});
