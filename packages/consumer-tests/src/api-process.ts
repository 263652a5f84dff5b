import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tenant/domain';
import { spawnNode } from '@tenant/spawn';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ApiProcess {
  /** The tRPC endpoint, e.g. http://127.0.0.1:PORT/trpc. */
  trpcUrl: string;
  /** SIGTERM (the api drains), then waits for the process to end. */
  stop(): Promise<void>;
}

/**
 * The api as ops run it: its own process, from its entry point, configured by environment
 * variables only. The database must be migrated and seeded already.
 */
export async function startApiProcess(env: {
  databaseUrl: string;
  finqwareBaseUrl: string;
}): Promise<ApiProcess> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawnNode(`${ROOT}apps/api/src/main.ts`, {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: env.databaseUrl,
      FINQWARE_BASE_URL: env.finqwareBaseUrl,
      API_PORT: String(port),
      // Every consumer program registers from this machine's one address.
      AUTH_REGISTER_MAX_PER_ADDRESS: '1000000',
      AUTH_LOGIN_MAX_PER_ADDRESS: '1000000',
      API_PUBLIC_URL: `http://127.0.0.1:${port}`,
      ADMIN_PORT: String(adminPort),
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  // Ready when the admin listener's /readyz says so (database reachable, no pending migration);
  // polled, never slept on.
  const deadline = Date.now() + 120_000;
  for (let ready = false; !ready; ) {
    if (child.exitCode !== null)
      throw new Error(`the api exited (${child.exitCode}) before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the api was not ready within 120 s:\n${output}`);
    }
    ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    trpcUrl: `${base}/trpc`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
