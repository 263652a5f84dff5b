import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { TENANT_APP } from '@tenant/finqware-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsumerProject, createConsumerProject, workspaceVersion } from '../src/consumer-project';

/**
 * @tenant/finqware-sandbox as another team installs it: its `finqware-sandbox` command from the
 * built JavaScript, and `startSandbox()` in a TypeScript program type-checked with skipLibCheck off.
 */

let project: ConsumerProject;
let command: ChildProcess | undefined;

beforeAll(async () => {
  project = await createConsumerProject({
    packages: ['finqware-sandbox'],
    registry: [workspaceVersion('typescript'), workspaceVersion('@types/node')],
    compilerOptions: { lib: ['ES2023'], types: ['node'], module: 'NodeNext', moduleResolution: 'NodeNext' },
  });
  await project.copyProgram('finqware-sandbox', 'main.ts');
});

afterAll(async () => {
  command?.kill('SIGKILL');
  await project?.remove();
});

/** The first line the command prints that says where it listens. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = out.match(/listening on (http:\/\/\S+)/);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) =>
      reject(new Error(`finqware-sandbox exited (${code}) before listening:\n${out}`)),
    );
  });
}

describe('@tenant/finqware-sandbox from its tarball, outside the workspace', () => {
  it('runs the finqware-sandbox command: serves the API, stops on SIGTERM', async () => {
    const bin = join(project.dir, 'node_modules/.bin/finqware-sandbox');
    command = spawn(bin, ['--port', '0', '--seed', 'consumer'], {
      cwd: project.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await listening(command);
    const res = await fetch(`${url}/v1/catalogs/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: TENANT_APP.clientId, client_secret: TENANT_APP.clientSecret }),
    });
    expect(res.status).toBe(200);
    // The catalog ships in the package: the command serves it from there.
    expect(((await res.json()) as { skills: unknown[] }).skills.length).toBeGreaterThan(0);
    const exited = new Promise<number | null>((resolve) => command?.once('exit', (code) => resolve(code)));
    command.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('rejects a bad flag with its usage', async () => {
    const ran = await project.run(join(project.dir, 'node_modules/.bin/finqware-sandbox'), ['--port', 'abc']);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--port must be a port number');
    expect(ran.stderr).toContain('Usage: finqware-sandbox');
  });

  it('type-checks and runs a test setup on startSandbox() with skipLibCheck off', async () => {
    const checked = await project.typecheck();
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);
    const ran = await project.run(process.execPath, ['main.ts'], 60_000);
    expect(ran.code, ran.stderr).toBe(0);
    const seen = JSON.parse(ran.stdout);
    expect(seen).toMatchObject({ status: 200, now: '2026-06-02T12:00:00Z' });
    expect(seen.accounts).toBeGreaterThan(0);
    expect(seen.accounts).toBe(seen.truthAccounts);
  });

  it('passes publint and Are the Types Wrong (ESM only)', async () => {
    expect(await project.lint('finqware-sandbox', 'esm-only')).toEqual([]);
  });
});
