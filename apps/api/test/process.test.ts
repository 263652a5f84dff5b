import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { spawnNode } from '@tenant/spawn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The api as ops start it: its own process, configured by the environment, logging JSON lines.
 * What an operator sees when it cannot start, and where its readiness and metrics are.
 */
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
type Line = {
  level: number;
  msg: string;
  service?: string;
  error?: { stack?: string };
  [k: string]: unknown;
};

let bare: TestDatabase;
const children: ChildProcess[] = [];

beforeAll(async () => {
  bare = await createTestDatabase({ migrate: false, pool: 1 });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await bare?.drop();
});

function start(env: Record<string, string>) {
  const child = spawnNode(MAIN, {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
  });
  children.push(child);
  const lines: Line[] = [];
  let rest = '';
  child.stdout?.on('data', (chunk) => {
    const text = rest + chunk;
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as Line);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const line = async (msg: RegExp): Promise<Line> => {
    for (;;) {
      const found = lines.find((l) => msg.test(l.msg));
      if (found) return found;
      if (child.exitCode !== null)
        throw new Error(`exited without ${msg}: ${JSON.stringify(lines)} ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, lines, exited, line, stderr: () => stderr };
}

describe('the api process', () => {
  it('refuses a bad configuration in one JSON line naming each variable, never its value, and exits 1', async () => {
    const api = start({ DATABASE_URL: bare.url, API_PORT: 'eighty', VAULT_KEYS: 'k:NOT-A-KEY-SECRET' });
    expect(await api.exited).toBe(1);
    expect(api.lines).toHaveLength(1);
    const [fatal] = api.lines as [Line];
    expect(fatal).toMatchObject({
      level: 60,
      service: 'api',
      msg: expect.stringMatching(/^api failed to start: /),
    });
    expect((fatal.issues as { variable: string }[]).map((i) => i.variable).sort()).toEqual([
      'API_PORT',
      'VAULT_KEYS',
    ]);
    expect(fatal.error?.stack).toBeUndefined();
    expect(JSON.stringify(fatal)).not.toContain('NOT-A-KEY-SECRET');
    expect(api.stderr()).toBe('');
  });

  it('names a taken port and how to choose another', async () => {
    const holder = createServer();
    const port = await new Promise<number>((resolve) =>
      holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)),
    );
    try {
      const api = start({ DATABASE_URL: bare.url, API_PORT: String(port), ADMIN_PORT: '0' });
      expect(await api.exited).toBe(1);
      const fatal = await api.line(/failed to start/);
      expect(fatal.msg).toBe(
        `api failed to start: port ${port} on 127.0.0.1 (API_PORT) is already in use, perhaps by another Tenant: ` +
          `stop that process, or choose a free port, e.g. API_PORT=${port + 100}`,
      );
      expect(fatal.error?.stack).toBeUndefined();
    } finally {
      holder.close();
    }
  });

  it('warns at start when migrations are pending; readiness and metrics only on the admin listener', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const api = start({ DATABASE_URL: bare.url, API_PORT: String(port), ADMIN_PORT: String(adminPort) });
    const warning = await api.line(/migrations are pending/);
    expect(warning.level).toBe(40);
    expect((warning.pendingMigrations as string[]).length).toBeGreaterThan(0);
    const listening = await api.line(/api listening/);
    expect(listening).toMatchObject({ host: '127.0.0.1', port, adminHost: '127.0.0.1', adminPort });

    const ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', database: 'reachable' });
    expect(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text()).toContain(
      'process_cpu_seconds_total',
    );
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    for (const path of ['/readyz', '/metrics']) {
      expect((await fetch(`http://127.0.0.1:${port}${path}`)).status).toBe(404);
    }
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  });
});
