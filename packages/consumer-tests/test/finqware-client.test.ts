import { type RunningSandbox, startSandbox, TENANT_APP } from '@tenant/finqware-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerProject,
  createConsumerProject,
  lowestPeer,
  workspaceVersion,
} from '../src/consumer-project';

/**
 * @tenant/finqware-client as another team installs it: the tarball and the lowest zod its peer
 * range allows, in an empty Node project outside the workspace, type-checked with skipLibCheck
 * off, run against a Finqware sandbox, required from CommonJS, and dry-run published.
 */

let sandbox: RunningSandbox;
let project: ConsumerProject;

beforeAll(async () => {
  [sandbox, project] = await Promise.all([
    startSandbox({ seed: 'consumer-finqware-client', clock: { now: '2026-06-01T12:00:00Z' } }),
    createConsumerProject({
      packages: ['finqware-client'],
      registry: [
        lowestPeer('zod', 'finqware-client'),
        workspaceVersion('typescript'),
        workspaceVersion('@types/node'),
      ],
      compilerOptions: { lib: ['ES2023'], types: ['node'], module: 'NodeNext', moduleResolution: 'NodeNext' },
    }),
  ]);
  for (const file of ['main.ts', 'main.cjs']) await project.copyProgram('finqware-client', file);
});

afterAll(async () => {
  await sandbox?.close();
  await project?.remove();
});

describe('@tenant/finqware-client from its tarball, outside the workspace', () => {
  it("uses the app's zod (a peer) and brings no copy of its own", async () => {
    const installed = await project.installedPackages();
    expect(installed.filter((name) => name === 'zod')).toEqual(['zod']);
  });

  it('type-checks a program with skipLibCheck off', async () => {
    const checked = await project.typecheck();
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);
  });

  it('connects a bank at the sandbox and reads all it holds, with the lowest zod its peer range allows', async () => {
    const args = [sandbox.apiUrl, TENANT_APP.clientId, TENANT_APP.clientSecret, TENANT_APP.clientAppKey];
    const ran = await project.run(process.execPath, ['main.ts', ...args], 60_000);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    const seen = JSON.parse(ran.stdout);
    const truth = sandbox.control.truth({ credentialsId: seen.credentialsId, summary: true });
    const accounts = truth.consents[0]?.accounts ?? [];
    expect(seen.accounts).toBe(accounts.length);
    expect(seen.transactions).toBe(accounts.reduce((sum, account) => sum + account.transactionCount, 0));
    expect(seen.refused).toBe('consent');
  });

  it('works from CommonJS', async () => {
    const ran = await project.run(process.execPath, ['main.cjs']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ client: 'function', error: 'function', schemas: 'object' });
  });

  it('passes publint, Are the Types Wrong (every resolution mode) and npm publish --dry-run', async () => {
    expect(await project.lint('finqware-client', 'strict')).toEqual([]);
    const tarball = project.tarballs['finqware-client'] as string;
    const published = await project.run('npm', ['publish', '--dry-run', tarball]);
    expect(published.code, published.stderr).toBe(0);
    // The one warning a dry run without registry credentials always prints is not about the package.
    const warnings = published.stderr
      .split('\n')
      .filter((line) => /npm warn/i.test(line) && !/logged in/.test(line));
    expect(warnings).toEqual([]);
    expect(published.stderr).toContain('@tenant/finqware-client@');
  });
});
