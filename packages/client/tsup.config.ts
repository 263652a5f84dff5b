import { defineConfig } from 'tsup';

/**
 * JavaScript only: ESM for browsers and bundlers, every dependency left as an import. The
 * declarations come from rollup.config.mjs (`pnpm build` runs both), which inlines the router's
 * types instead of importing them.
 */
export default defineConfig({
  entry: ['src/index.ts', 'src/react-query.ts'],
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  clean: true,
  dts: false,
});
