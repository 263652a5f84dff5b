import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { spawnNode } from '@tenant/spawn';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

export type Stack = {
  webUrl: string;
  apiUrl: string;
  sandboxUrl: string;
  db: TestDatabase;
  output(): string;
  stop(): Promise<void>;
};

/**
 * The whole system as `pnpm start` starts it (apps/local-stack: migrations, sandbox, api, worker,
 * the web app built and served), on free ports and a fresh database of its own, so test runs in
 * other worktrees never meet it. Resolves when the banner is printed.
 */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const db = await createTestDatabase({ migrate: false, pool: 2 });
  const [api, sandbox, web] = [await freePort(), await freePort(), await freePort()];
  const webUrl = `http://127.0.0.1:${web}`;
  const apiUrl = `http://127.0.0.1:${api}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tenant-web-'));
  let output = '';
  const child: ChildProcess = spawnNode(join(ROOT, 'apps/local-stack/src/main.ts'), {
    cwd: ROOT,
    env: {
      ...process.env,
      NO_COLOR: '1',
      DATABASE_URL: db.url,
      TENANT_DATA_DIR: dataDir,
      API_PORT: String(api),
      API_PUBLIC_URL: apiUrl,
      ADMIN_PORT: '0',
      WORKER_ADMIN_PORT: '0',
      SANDBOX_PORT: String(sandbox),
      PUBLIC_APP_URL: `${webUrl}/connected`,
      CORS_ORIGINS: webUrl,
      // The journey registers and signs in from this machine's one address, run after run.
      AUTH_REGISTER_MAX_PER_ADDRESS: '1000000',
      AUTH_LOGIN_MAX_PER_ADDRESS: '1000000',
      ...env,
    },
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    await db.drop();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the stack did not start within 3 minutes')), 180_000);
      const check = () => {
        if (output.includes('Tenant is running')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error('the stack exited before it was ready'));
      });
    });
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output.slice(-4000)}`);
  }
  return { webUrl, apiUrl, sandboxUrl: `http://127.0.0.1:${sandbox}`, db, output: () => output, stop };
}
