import { packageTestConfig } from '../../vitest.shared.ts';

// Each file packs a package (its build included) and installs it with npm before its tests run.
export default packageTestConfig({ database: true, testTimeout: 120_000, hookTimeout: 300_000 });
