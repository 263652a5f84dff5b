import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTenantClient } from '@tenant/client';
import { freePort } from '@tenant/domain';
import { temporaryDataDir } from '@tenant/domain/embedded';
import { spawnNode } from '@tenant/spawn';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `pnpm start` as a user runs it: the supervisor process, its output as the terminal shows it.
 * Every port is a free one (other worktrees run tests beside this one); nothing else is set that a
 * user would not set.
 */
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const started: ChildProcess[] = [];
const folders: string[] = [];

afterAll(() => {
  for (const child of started) {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** The environment of a shell with nothing of Tenant's set. */
function bareEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of Object.keys(env)) {
    if (
      /^(DATABASE_|API_|ADMIN_|WORKER_|SANDBOX_|PUBLIC_APP|FINQWARE_|TENANT_|VAULT_|CATALOG_|CORS_|SYNC_)/.test(
        name,
      )
    )
      delete env[name];
  }
  return env;
}

async function freePorts() {
  return {
    SANDBOX_PORT: String(await freePort()),
    ADMIN_PORT: String(await freePort()),
    WORKER_ADMIN_PORT: String(await freePort()),
    PUBLIC_APP_URL: `http://127.0.0.1:${await freePort()}/connected`,
  };
}

function start(env: NodeJS.ProcessEnv) {
  const child = spawnNode(MAIN, { env, detached: true });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const banner = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (!output.includes('Tenant is running')) {
      if (child.exitCode !== null) throw new Error(`pnpm start exited (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`no banner within ${ms / 1000} s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, exited, banner, output: () => output };
}

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

describe('pnpm start', () => {
  it('with only API_PORT set (and free ports), completes a bank-redirect connect flow back to that port', async () => {
    const port = await freePort();
    const dataDir = temporaryDataDir('tenant-start-test-');
    folders.push(join(dataDir, '..'));
    // No DATABASE_URL, no API_PUBLIC_URL: the embedded PostgreSQL, and the bank sends users back to API_PORT.
    const stack = start({
      ...bareEnv(),
      ...(await freePorts()),
      API_PORT: String(port),
      TENANT_DATA_DIR: dataDir,
    });
    await stack.banner(240_000);
    const base = `http://127.0.0.1:${port}`;
    expect(stack.output()).toContain(`${base}/trpc`);

    const { token } = await createTenantClient({ url: `${base}/trpc` }).auth.register.mutate({
      email: 'start@example.com',
      password: 'a start-to-finish passphrase',
    });
    const me = createTenantClient({ url: `${base}/trpc`, token });
    const skill = (await me.catalog.skills.query()).find((s) => s.code === 'rzb_ro_aisp_sbx_#1.0');
    const begun = await me.connect.start.mutate({ skillId: skill?.id ?? '' });
    if (begun.status !== 'IN_PROGRESS' || !begun.step.redirectUrl)
      throw new Error('expected a redirect step');
    const bank = await fetch(begun.step.redirectUrl, { redirect: 'manual' });
    const callback = new URL(bank.headers.get('location') ?? '');
    expect(`${callback.origin}${callback.pathname}`).toBe(`${base}/connect/callback`);
    const back = await fetch(callback, { redirect: 'manual' });
    expect(new URL(back.headers.get('location') ?? '').searchParams.get('status')).toBe('returned');
    expect((await me.connect.get.query({ sessionId: begun.sessionId })).status).toBe('COMPLETED');

    stack.child.kill('SIGTERM');
    expect(await stack.exited).toBe(0);
  });

  it('a second start on a taken port says which and how to choose another, and announces nothing', async () => {
    const holder = createServer();
    const port = await new Promise<number>((resolve) =>
      holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)),
    );
    try {
      const second = start({ ...bareEnv(), ...(await freePorts()), API_PORT: String(port) });
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain(
        `port ${port} on 127.0.0.1 (API_PORT) is already in use, perhaps by another Tenant: stop that process, or choose a free port, e.g. API_PORT=${port + 100}`,
      );
      expect(second.output()).not.toContain('Tenant is running');
      expect(second.output()).not.toMatch(STACK_FRAME);
    } finally {
      holder.close();
    }
  });

  it.runIf(userInfo().uid === 0)(
    'as root, names a data folder the postgres user cannot reach and how to choose another',
    async () => {
      const closed = mkdtempSync(join(tmpdir(), 'tenant-closed-'));
      folders.push(closed);
      chmodSync(closed, 0o700); // like /root: the clone lives inside
      const dataDir = join(closed, 'tenant', '.data');
      const stack = start({
        ...bareEnv(),
        ...(await freePorts()),
        API_PORT: String(await freePort()),
        TENANT_DATA_DIR: dataDir,
      });
      expect(await stack.exited).toBe(1);
      const output = stack.output();
      expect(output).toContain(
        `cannot reach its data folder ${join(dataDir, 'pg')}: ${closed} is closed to it`,
      );
      expect(output).toContain('TENANT_DATA_DIR');
      expect(output).not.toMatch(/EACCES/);
      expect(output).not.toMatch(STACK_FRAME);
      expect(output).not.toContain('Tenant is running');
    },
  );
});
