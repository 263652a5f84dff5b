import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/migrate.ts', 'src/seed-catalog.ts', 'src/rotate-vault-keys.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node24',
});
