import { fileURLToPath } from 'node:url';
import { SANDBOX_TENANT_APP } from '@tenant/domain';
import { describe, expect, it } from 'vitest';
import { ManagedProcess, nodeArgs, packageNodeFlags, spawnNode } from '../src';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function output(child: ReturnType<typeof spawnNode>): Promise<string> {
  let text = '';
  child.stdout?.on('data', (chunk) => {
    text += chunk;
  });
  return new Promise((resolve) => child.on('exit', () => resolve(text)));
}

describe('spawnNode', () => {
  it('runs a TypeScript entry from sources, with its node flags, or built JavaScript as is', async () => {
    expect(nodeArgs('/x.ts', { nodeFlags: ['--inspect'] })).toEqual([
      '--inspect',
      '--conditions=@tenant/source',
      '--import',
      'tsx',
      '/x.ts',
    ]);
    expect(nodeArgs('/x.js', { from: 'built', args: ['--dry-run'] })).toEqual(['/x.js', '--dry-run']);

    const lines: string[] = [];
    const managed = new ManagedProcess({
      name: 'echo',
      entry: fixture('echo.ts'),
      cwd: process.cwd(),
      env: process.env,
      onLine: (l) => lines.push(l),
    });
    managed.start();
    const line = await managed.waitForLine((l) => l.startsWith('{'), 30_000);
    expect(JSON.parse(line)).toEqual({ clientId: SANDBOX_TENANT_APP.clientId, flags: [] });
    // stop() is SIGTERM: the program's own handler runs.
    await managed.stop();
    expect(managed.running).toBe(false);
    expect(lines.at(-1)).toBe('draining');

    const plain = JSON.parse(await output(spawnNode(fixture('plain.mjs'), { from: 'built' })));
    expect(plain).toEqual({ conditions: [] });
    const flagged = spawnNode(fixture('echo.ts'), { nodeFlags: ['--max-old-space-size=96'] });
    const first = await new Promise<string>((resolve) =>
      flagged.stdout?.once('data', (c) => resolve(String(c))),
    );
    flagged.kill('SIGKILL');
    expect(JSON.parse(first).flags).toEqual(['--max-old-space-size=96']);
  });

  it("reads a package's node flags from its package.json", () => {
    expect(packageNodeFlags(fileURLToPath(new URL('../../../apps/api', import.meta.url)))).toEqual([
      '--max-semi-space-size=32',
    ]);
    expect(packageNodeFlags(fileURLToPath(new URL('..', import.meta.url)))).toEqual([]);
  });
});
