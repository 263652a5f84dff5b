/**
 * Builds the web app and serves the build: what `pnpm start` runs as its `web` process.
 *
 *   TENANT_WEB_URL       where to serve it (the origin of PUBLIC_APP_URL), default http://127.0.0.1:5173
 *   VITE_TENANT_API_URL  the api's tRPC endpoint the app calls, fixed into the build
 *
 * Vite's preview server serves `dist/` with the single-page fallback, so a bank's redirect to
 * `/connected` and a reload on any page get the app. Prints `web ready <url>` when it listens.
 */
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const url = new URL(process.env.TENANT_WEB_URL ?? 'http://127.0.0.1:5173');
const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));

// A production build whatever NODE_ENV the caller runs with (a test runner sets `test`).
process.env.NODE_ENV = 'production';
await build({ root, mode: 'production', logLevel: 'warn' });
const server = await preview({
  root,
  logLevel: 'warn',
  preview: { host: url.hostname, port, strictPort: true, open: false },
});
console.log(`web ready ${url.origin}/ (api ${process.env.VITE_TENANT_API_URL ?? 'default'})`);

const stop = () => {
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
