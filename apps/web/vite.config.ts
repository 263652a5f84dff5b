import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The web app's build. Workspace packages resolve to their TypeScript sources (the
 * `@tenant/source` condition), as everywhere in the repo; a front-end outside it installs the
 * published client instead. `VITE_TENANT_API_URL` (the api's tRPC endpoint) is read at build time.
 */
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ['@tenant/source', 'browser', 'module', 'import', 'default'] },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true },
  build: { outDir: 'dist', sourcemap: true, chunkSizeWarningLimit: 1500 },
});
