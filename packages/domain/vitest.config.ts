import { packageTestConfig } from '../../vitest.shared';

// One embedded PostgreSQL for the whole run when DATABASE_URL is unset.
export default packageTestConfig({ globalSetup: ['./src/testing/global-setup.ts'] });
