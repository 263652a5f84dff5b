import { dts } from 'rollup-plugin-dts';

/** What the published declarations may import: React's and TanStack Query's types, for the react-query entry. */
const ALLOWED_IMPORTS = new Set(['react', '@tanstack/react-query']);

/**
 * The published declarations: one .d.ts per entry, plus a shared chunk. `includeExternal` inlines
 * the types they use of @tenant/router (the AppRouter type: a devDependency, never installed by a
 * consumer) and of tRPC: @trpc/client's own declarations import `ws` and node's `http` (for its
 * WebSocket link), which a browser project has no types for. Declarations nothing reaches (the
 * server's Context, MikroORM, pg-boss, tRPC's adapters) are left out, and the build fails if an
 * import of anything else is left in.
 */
export default {
  input: { index: 'src/index.ts', 'react-query': 'src/react-query.ts' },
  output: { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: '[name]-[hash].d.ts' },
  // Imports of tRPC's server adapters that the inlined declarations never reach.
  external: ['ws', 'http', 'http2', 'cors'],
  plugins: [
    dts({
      tsconfig: 'tsconfig.json',
      includeExternal: ['@tenant/router', '@trpc/client', '@trpc/server', '@trpc/tanstack-react-query'],
    }),
    {
      name: 'only-allowed-imports',
      generateBundle(_options, bundle) {
        for (const chunk of Object.values(bundle)) {
          if (chunk.type !== 'chunk') continue;
          const bad = chunk.imports.filter((id) => !(id in bundle) && !ALLOWED_IMPORTS.has(id));
          if (bad.length > 0) this.error(`${chunk.fileName} imports ${bad.join(', ')}`);
        }
      },
    },
  ],
};
