import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  createQueues,
  defaultCatalogPath,
  freePort,
  loadCatalogFile,
  QUEUES,
  seedCatalog,
} from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { type RunningSandbox, startSandbox } from '@tenant/finqware-sandbox';
import { spawnNode } from '@tenant/spawn';
import { runSql } from '@tenant/sync-engine/testing';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './harness';

/**
 * The whole system through its front door: the api and the worker as processes (as `pnpm start`
 * runs them), the sandbox as the bank, and this test as the front-end speaking tRPC over HTTP.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let db: TestDatabase;
let sandbox: RunningSandbox;
let boss: PgBoss;
let api = '';
const processes: ChildProcess[] = [];

function start(entry: string, env: Record<string, string>) {
  let output = '';
  const child = spawnNode(entry, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      ADMIN_PORT: '0',
      WORKER_ADMIN_PORT: '0',
      ...env,
    },
  });
  child.stdout?.on('data', (c) => {
    output += c;
  });
  child.stderr?.on('data', (c) => {
    output += c;
  });
  processes.push(child);
  return { child, output: () => output };
}

type TrpcAnswer<T> = { result?: { data: { json: T } }; error?: { json: { message: string } } };

async function call<T>(
  path: string,
  input: unknown,
  token?: string,
  method: 'GET' | 'POST' = 'POST',
): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const url =
    method === 'GET'
      ? `${api}/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`
      : `${api}/trpc/${path}`;
  const res = await fetch(url, {
    method,
    headers,
    ...(method === 'POST' ? { body: JSON.stringify({ json: input }) } : {}),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as TrpcAnswer<T>;
  if (!body.result) throw new Error(`${path}: ${res.status} ${body.error?.json.message}`);
  return body.result.data.json;
}

beforeAll(async () => {
  [db, sandbox] = await Promise.all([
    createTestDatabase({ pool: 2 }),
    startSandbox({ seed: 'e2e', history: { transactionsPerAccount: 80, days: 60 } }),
  ]);
  await seedCatalog(db.orm.em.fork(), await loadCatalogFile(defaultCatalogPath()));
  boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false, max: 2 });
  boss.on('error', () => undefined);
  await boss.start();
  await createQueues(boss);
  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  const env = { DATABASE_URL: db.url, FINQWARE_BASE_URL: sandbox.apiUrl };
  const apiProcess = start('apps/api/src/main.ts', {
    ...env,
    API_PORT: String(port),
    API_PUBLIC_URL: api,
    // Every user of the test registers from this machine's one address.
    AUTH_REGISTER_MAX_PER_ADDRESS: '1000000',
    AUTH_LOGIN_MAX_PER_ADDRESS: '1000000',
  });
  start('apps/sync-worker/src/main.ts', { ...env, SYNC_CRON: '0 0 1 1 *', SYNC_SPREAD_SECONDS: '0' });
  await waitFor(
    async () => {
      try {
        return (await fetch(`${api}/healthz`)).ok;
      } catch {
        return false;
      }
    },
    90_000,
    `the api (${apiProcess.output().slice(-500)})`,
  );
}, 180_000);

afterAll(async () => {
  for (const child of processes) child.kill('SIGTERM');
  await Promise.all(
    processes.map((child) => (child.exitCode === null ? new Promise((r) => child.on('exit', r)) : null)),
  );
  await boss?.stop({ graceful: false });
  await Promise.all([db?.drop(), sandbox?.close()]);
});

type Consent = { id: string; status: string; lastSyncOutcome: string | null };
type Page = { items: { id: string; status: string; amount: string }[]; nextCursor: string | null };

async function listAll(token: string) {
  const all: Page['items'] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await call<Page>(
      'transactions.list',
      { limit: 500, ...(cursor ? { cursor } : {}) },
      token,
      'GET',
    );
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

const truthCount = () =>
  sandbox.control
    .truth()
    .consents.flatMap((c) => c.accounts)
    .reduce((n, a) => n + (a.transactions?.length ?? 0), 0);

const succeededRuns = async (consentId: string) => {
  const [row] = await runSql<{ n: number }>(
    db.orm.em.fork(),
    `SELECT count(*)::int AS n FROM sync_runs WHERE user_skill_id = ? AND outcome = 'SUCCEEDED'`,
    [consentId],
  );
  return row?.n ?? 0;
};

describe('end to end through the HTTP API', () => {
  it('register → connect a sandbox bank → synced → listed → clock moves → fan-out brings the new ones → revoke stops syncing', async () => {
    const { token } = await call<{ token: string }>('auth.register', {
      email: 'e2e@example.com',
      password: 'correct horse battery',
    });
    const skills = await call<{ id: string; code: string }[]>('catalog.skills', undefined, token, 'GET');
    const skill = skills.find((s) => s.code === 'ing_ro_aisp_sbx_#2.0');
    expect(skill).toBeDefined();

    // ING's flow is one implicit SCA step: submitting it completes the consent.
    const started = await call<{ sessionId: string; step: { id: string; kind: string } }>(
      'connect.start',
      { skillId: skill?.id },
      token,
    );
    expect(started.step.kind).toBe('sca_implicit');
    const done = await call<{ done: boolean; consentId: string }>(
      'connect.submit',
      { sessionId: started.sessionId, stepId: started.step.id, values: {} },
      token,
    );
    expect(done.done).toBe(true);

    // The first sync was enqueued with the consent; the worker process runs it.
    await waitFor(
      async () =>
        (await call<Consent[]>('consents.list', undefined, token, 'GET'))[0]?.lastSyncOutcome === 'SUCCEEDED',
      120_000,
      'the first sync',
    );
    const first = await listAll(token);
    expect(first.length).toBe(truthCount());
    expect(first.length).toBeGreaterThan(0);

    // Time passes at the bank; the next scheduled fan-out (as the cron would send it) syncs again.
    sandbox.control.advanceClock({ advanceDays: 3 });
    const expected = truthCount();
    expect(expected).toBeGreaterThan(first.length);
    await boss.send(QUEUES.syncFanout, {});
    await waitFor(async () => (await succeededRuns(done.consentId)) === 2, 120_000, 'the fanned-out sync');
    const second = await listAll(token);
    expect(second.length).toBe(expected);

    // Revoked: the consent is DELETED and later fan-outs leave it alone.
    const revoked = await call<{ status: string }>('consents.revoke', { consentId: done.consentId }, token);
    expect(revoked.status).toBe('DELETED');
    sandbox.control.advanceClock({ advanceDays: 1 });
    await boss.send(QUEUES.syncFanout, {});
    await waitFor(async () => {
      const [row] = await runSql<{ n: number }>(
        db.orm.em.fork(),
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = ? AND state = 'completed'`,
        [QUEUES.syncFanout],
      );
      return (row?.n ?? 0) >= 2;
    });
    await new Promise((r) => setTimeout(r, 2000));
    expect(await succeededRuns(done.consentId)).toBe(2);
    const consents = await call<Consent[]>('consents.list', undefined, token, 'GET');
    expect(consents[0]?.status).toBe('DELETED');
  }, 300_000);
});
