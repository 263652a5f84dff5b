import { packageTestConfig } from '../../vitest.shared';

export default packageTestConfig({ database: true });
