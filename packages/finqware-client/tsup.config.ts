import { defineConfig } from 'tsup';

// Other teams consume this package on its own, from ESM or CommonJS code.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
