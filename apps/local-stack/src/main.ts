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
import { API_NODE_FLAGS } from '@tenant/api/node-flags';
import {
  ConfigError,
  createOrm,
  dataDir,
  defaultCatalogPath,
  loadCatalogFile,
  loadConfig,
  migrate,
  repoRoot,
  seedCatalog,
} from '@tenant/domain';
import { type Child, startChild, waitForHttp } from './children';
import { startEmbeddedDatabase } from './embedded-database';
import { say } from './log-stream';

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
    const config = loadConfig();
    const root = repoRoot();

    say(
      config.database.url
        ? 'database: DATABASE_URL'
        : 'database: embedded PostgreSQL under .data/ (first start initialises it)',
    );
    let databaseUrl = config.database.url;
    if (!databaseUrl) {
      const embedded = startEmbeddedDatabase(root, process.env);
      database = embedded.helper;
      databaseUrl = await embedded.url;
    }
    const orm = await createOrm({ clientUrl: databaseUrl, pool: 2 });
    try {
      const applied = await migrate(orm);
      say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema up to date');
      const seeded = await seedCatalog(orm.em.fork(), await loadCatalogFile(defaultCatalogPath()));
      say(
        `catalog: ${seeded.skills.inserted} skills added, ${seeded.skills.updated} updated, ${seeded.skills.unchanged} unchanged`,
      );
    } finally {
      await orm.close();
    }

    const externalFinqware = process.env.FINQWARE_BASE_URL?.trim();
    const sandboxUrl = `http://127.0.0.1:${config.sandbox.port}`;
    const finqwareBaseUrl = externalFinqware || `${sandboxUrl}/v1`;
    const env = { ...process.env, DATABASE_URL: databaseUrl, FINQWARE_BASE_URL: finqwareBaseUrl };

    const webUrl = new URL(config.publicAppUrl).origin;
    const web = startChild('web', root, 'apps/web/server/serve.ts', {
      ...env,
      TENANT_WEB_URL: webUrl,
      VITE_TENANT_API_URL: `${config.api.publicUrl}/trpc`,
    });
    children.push(web);

    if (!externalFinqware) {
      const sandbox = startChild('sandbox', root, 'packages/finqware-sandbox/src/cli.ts', {
        ...env,
        SANDBOX_PORT: String(config.sandbox.port),
        // The sandbox keeps its consents beside the database that references them, so a restart
        // does not leave every connected bank needing a new consent.
        SANDBOX_STATE_FILE:
          process.env.SANDBOX_STATE_FILE?.trim() ||
          join(dataDir(config.database.dataDir), 'sandbox-state.json'),
      });
      children.push(sandbox);
      await waitForHttp(`${sandboxUrl}/_sandbox/clock`, sandbox);
    }
    const api = startChild('api', root, 'apps/api/src/main.ts', env, { nodeFlags: API_NODE_FLAGS });
    children.push(api);
    const apiUrl = `http://127.0.0.1:${config.api.port}`;
    await waitForHttp(`${apiUrl}/healthz`, api);
    children.push(startChild('worker', root, 'apps/sync-worker/src/main.ts', env));
    await waitForHttp(`${webUrl}/`, web, 180_000);

    // A child that dies on its own takes the stack down: a half-running system is worse than none.
    for (const child of database ? [database, ...children] : children) {
      void child.exited.then(({ code, signal }) => {
        if (!stopping) void shutdown(`${child.name} exited (${signal ?? `code ${code}`})`, 1);
      });
    }
    say(
      banner({
        webUrl,
        apiUrl,
        sandboxUrl: externalFinqware ? null : sandboxUrl,
        finqwareBaseUrl,
        embedded: database !== undefined,
      }),
    );
  } catch (err) {
    say(
      err instanceof ConfigError
        ? err.message
        : `failed to start: ${err instanceof Error ? err.message : err}`,
    );
    await shutdown('startup failed', 1);
  }
}

function banner(urls: {
  webUrl: string;
  apiUrl: string;
  sandboxUrl: string | null;
  finqwareBaseUrl: string;
  embedded: boolean;
}) {
  const { apiUrl } = urls;
  const trpc = `${apiUrl}/trpc`;
  const body = `'{"json":{"email":"me@example.com","password":"correct horse battery"}}'`;
  return `
──────────────────────────────────────────────────────────────────────────────
 Tenant is running                                         Ctrl-C stops it all
   web app      ${urls.webUrl}/   ← open this: sign up and connect a sandbox bank
   api (tRPC)   ${trpc}
   health       ${apiUrl}/healthz   ${apiUrl}/readyz
   metrics      ${apiUrl}/metrics
   finqware     ${urls.finqwareBaseUrl}${urls.sandboxUrl ? `   (sandbox; control: ${urls.sandboxUrl}/_sandbox)` : ''}
   database     ${urls.embedded ? 'embedded PostgreSQL, data in .data/ (kept between starts)' : 'DATABASE_URL'}
 Try it:
   curl -s -XPOST ${trpc}/auth.register -H 'content-type: application/json' -d ${body}
   curl -s -XPOST ${trpc}/auth.login -H 'content-type: application/json' -d ${body}
   curl -s ${trpc}/catalog.skills -H "authorization: Bearer <token from the answer above>"
──────────────────────────────────────────────────────────────────────────────`;
}

void main();
