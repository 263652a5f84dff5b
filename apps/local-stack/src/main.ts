/**
 * `pnpm start`: the whole system on one machine, with no configuration.
 *
 *   1. PostgreSQL: DATABASE_URL, or an embedded server whose data lives in `.data/` (reused by the
 *      next start), run by a helper child in its own process group (src/embedded-database.ts).
 *   2. Migrations and the catalog seed (the sandbox's catalog.json), both idempotent.
 *   3. The Finqware sandbox as a child process, unless FINQWARE_BASE_URL points elsewhere; its
 *      consents and clock are kept in `.data/sandbox-state.json` (SANDBOX_STATE_FILE) across starts.
 *   4. The api and the sync worker, each a child process, given DATABASE_URL and FINQWARE_BASE_URL.
 *   5. The web app (apps/web), built and served on the port of PUBLIC_APP_URL, calling the api at
 *      API_PUBLIC_URL; it builds while the others start.
 *
 * Every child's output is merged into one stream, prefixed `[postgres] [sandbox] [api] [worker] [web]`,
 * with pino JSON shortened to readable lines. Ctrl-C reaches only this process (every child has its
 * own process group); Ctrl-C / SIGTERM stops the children in reverse order (each drains), then the
 * embedded database, so nothing loses its database while still draining.
 */
import { join } from 'node:path';
import { ConfigError, loadConfig, repoRoot } from '@tenant/domain';
import { PortInUseError } from '@tenant/runtime';
import { packageNodeFlags } from '@tenant/spawn';
import { type Child, startChild, waitForHttp } from './children';
import { startEmbeddedDatabase } from './embedded-database';
import { say } from './log-stream';
import { assertPortsFree } from './ports';
import { prepareDatabase } from './prepare-database';

async function main() {
  // This supervisor owns shutdown: children first, then the database.
  const children: Child[] = [];
  let database: Child | undefined;
  let stopping = false;
  const shutdown = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    const order = [...children].reverse();
    const names = [...order, database].flatMap((c) => (c ? [c.name] : []));
    say(`${reason}: stopping ${names.join(', ') || 'nothing'}…`);
    for (const child of order) await child.stop();
    // A first start may still be in initdb: give it time to finish and stop cleanly.
    await database?.stop(60_000);
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  try {
    const config = loadConfig('pnpm start');
    const { local } = config;
    const root = repoRoot();
    const externalFinqware = local.finqwareBaseUrl;
    const webOrigin = new URL(config.publicAppUrl);
    const otherWeb = new URL(config.publicAppUrl);
    otherWeb.port = String(Number(webOrigin.port || 80) + 100);
    await assertPortsFree([
      {
        port: Number(webOrigin.port || 80),
        host: webOrigin.hostname,
        variable: 'PUBLIC_APP_URL',
        example: `PUBLIC_APP_URL=${otherWeb}`,
      },
      ...(externalFinqware ? [] : [{ port: local.sandboxPort, host: '127.0.0.1', variable: 'SANDBOX_PORT' }]),
      { port: config.api.port, host: config.api.host, variable: 'API_PORT' },
      { port: local.adminPort, host: local.adminHost, variable: 'ADMIN_PORT' },
      { port: local.workerAdminPort, host: local.adminHost, variable: 'WORKER_ADMIN_PORT' },
    ]);

    say(
      local.databaseUrl
        ? 'database: DATABASE_URL'
        : `database: embedded PostgreSQL under ${local.dataDir} (first start initialises it)`,
    );
    let databaseUrl = local.databaseUrl;
    if (!databaseUrl) {
      const embedded = startEmbeddedDatabase(root, process.env);
      database = embedded.helper;
      databaseUrl = await embedded.url;
    }
    await prepareDatabase(databaseUrl, config.catalog.file, say);

    const sandboxUrl = `http://127.0.0.1:${local.sandboxPort}`;
    const finqwareBaseUrl = externalFinqware || `${sandboxUrl}/v1`;
    const env = { ...process.env, DATABASE_URL: databaseUrl, FINQWARE_BASE_URL: finqwareBaseUrl };

    const webUrl = webOrigin.origin;
    const web = startChild('web', root, 'apps/web/server/serve.ts', {
      ...env,
      TENANT_WEB_URL: webUrl,
      VITE_TENANT_API_URL: `${config.api.publicUrl}/trpc`,
    });
    children.push(web);

    if (!externalFinqware) {
      const sandbox = startChild('sandbox', root, 'packages/finqware-sandbox/src/cli.ts', {
        ...env,
        SANDBOX_PORT: String(local.sandboxPort),
        // The sandbox keeps its consents beside the database that references them, so a restart
        // does not leave every connected bank needing a new consent.
        SANDBOX_STATE_FILE:
          process.env.SANDBOX_STATE_FILE?.trim() || join(local.dataDir, 'sandbox-state.json'),
      });
      children.push(sandbox);
      await waitForHttp(`${sandboxUrl}/_sandbox/clock`, sandbox);
    }
    const api = startChild('api', root, 'apps/api/src/main.ts', env, {
      nodeFlags: packageNodeFlags(join(root, 'apps/api')),
    });
    children.push(api);
    const apiUrl = `http://${config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host}:${config.api.port}`;
    await waitForHttp(`${apiUrl}/healthz`, api);
    children.push(startChild('worker', root, 'apps/sync-worker/src/main.ts', env));
    await waitForHttp(`${webUrl}/`, web, 180_000);

    // A child that dies on its own takes the stack down: a half-running system is worse than none.
    for (const child of database ? [database, ...children] : children) {
      void child.exited.then(({ code, signal }) => {
        if (!stopping) void shutdown(`${child.name} exited (${signal ?? `code ${code}`})`, 1);
      });
    }
    const admin = (port: number) =>
      `http://${local.adminHost === '0.0.0.0' ? '127.0.0.1' : local.adminHost}:${port}`;
    say(
      banner({
        webUrl,
        apiUrl,
        apiAdminUrl: admin(local.adminPort),
        workerAdminUrl: admin(local.workerAdminPort),
        sandboxUrl: externalFinqware ? null : sandboxUrl,
        finqwareBaseUrl,
        embeddedDataDir: database ? local.dataDir : undefined,
      }),
    );
  } catch (err) {
    // What went wrong and what to do, never a stack: ConfigError and PortInUseError say it all.
    say(
      err instanceof ConfigError || err instanceof PortInUseError
        ? err.message
        : `failed to start: ${err instanceof Error ? err.message : err}`,
    );
    await shutdown('startup failed', 1);
  }
}

function banner(urls: {
  webUrl: string;
  apiUrl: string;
  apiAdminUrl: string;
  workerAdminUrl: string;
  sandboxUrl: string | null;
  finqwareBaseUrl: string;
  /** Where the embedded PostgreSQL keeps its data; undefined with DATABASE_URL. */
  embeddedDataDir: string | undefined;
}) {
  const { apiUrl } = urls;
  const trpc = `${apiUrl}/trpc`;
  const body = `'{"json":{"email":"me@example.com","password":"correct horse battery"}}'`;
  return `
──────────────────────────────────────────────────────────────────────────────
 Tenant is running                                         Ctrl-C stops it all
   web app      ${urls.webUrl}/   ← open this: sign up and connect a sandbox bank
   api (tRPC)   ${trpc}
   health       ${apiUrl}/healthz
   admin        api ${urls.apiAdminUrl}/readyz  /metrics   worker ${urls.workerAdminUrl}/readyz  /metrics
   finqware     ${urls.finqwareBaseUrl}${urls.sandboxUrl ? `   (sandbox; control: ${urls.sandboxUrl}/_sandbox)` : ''}
   database     ${urls.embeddedDataDir ? `embedded PostgreSQL, data in ${urls.embeddedDataDir} (kept between starts)` : 'DATABASE_URL'}
 Try it:
   curl -s -XPOST ${trpc}/auth.register -H 'content-type: application/json' -d ${body}
   curl -s -XPOST ${trpc}/auth.login -H 'content-type: application/json' -d ${body}
   curl -s ${trpc}/catalog.skills -H "authorization: Bearer <token from the answer above>"
──────────────────────────────────────────────────────────────────────────────`;
}

void main();
