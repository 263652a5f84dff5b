import { defineConfig } from 'tsup';

export default defineConfig({
  // testing/ is its own entry (@tenant/router/testing), so the main bundle never carries test wiring.
  entry: ['src/index.ts', 'src/testing/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
