import { packageTestConfig } from '../../vitest.shared.ts';

// Its tests use PostgreSQL: one embedded server for the whole run when DATABASE_URL is unset.
export default packageTestConfig({ database: true });
