import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig({ database: true });
