import { defineConfig } from 'tsup';

/**
 * The library (`startSandbox`, dist/index.js) and the `finqware-sandbox` command (dist/cli.js),
 * sharing one chunk. catalog.json stays beside dist/ and ships in the package (`files`): both
 * read it as `../catalog.json` from their own URL.
 */
export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node24',
});
