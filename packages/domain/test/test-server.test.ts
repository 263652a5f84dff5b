import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./fixtures/script-with-test-database.ts', import.meta.url));

// Benchmarks and the soak run on a fresh machine without DATABASE_URL: they must finish, and
// leave no PostgreSQL behind. Always runs (an embedded initdb + start: a few seconds).
it('a script on the embedded test server exits by itself and stops the server', {
  timeout: 120_000,
}, async () => {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  delete env.TENANT_TEST_DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, 90_000);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const { url } = JSON.parse(stdout) as { url: string };
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await expect(client.connect()).rejects.toThrow(/ECONNREFUSED/);
});
