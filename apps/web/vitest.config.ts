import react from '@vitejs/plugin-react';
import { packageTestConfig } from '../../vitest.shared.ts';

/**
 * Component tests (jsdom, `test/*.test.tsx`) and the browser journey (`test/browser`, a real
 * Chromium against the whole stack; it needs PostgreSQL for its database, as every package's tests).
 */
const config = packageTestConfig({ database: true, testTimeout: 120_000, hookTimeout: 240_000 });
export default {
  ...config,
  plugins: [react()],
  test: { ...config.test, include: ['test/**/*.test.{ts,tsx}'] },
};
