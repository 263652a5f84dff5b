import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './image';

const run = promisify(execFile);

/** The newest modification time of any file under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * `pnpm deploy --prod` of a workspace package into a new folder outside the workspace: exactly what
 * an image copies into its final stage. Its built JavaScript must be there and newer than its
 * sources (`pnpm test` builds it first: turbo.json here makes this package's tests depend on ^build).
 */
export async function deploy(packageName: string, packageDir: string): Promise<string> {
  const dist = join(ROOT, packageDir, 'dist');
  if (!existsSync(dist) || newest(dist) < newest(join(ROOT, packageDir, 'src'))) {
    throw new Error(
      `${packageDir}/dist is missing or older than its sources: run \`pnpm turbo run build --filter=@tenant/deploy-tests^...\` (pnpm test does it first)`,
    );
  }
  const target = join(mkdtempSync(join(tmpdir(), 'tenant-deploy-')), 'app');
  await run('pnpm', ['--filter', packageName, 'deploy', '--prod', target], { cwd: ROOT, maxBuffer: 1 << 24 });
  return target;
}

/** The packages installed in a deployed folder (pnpm's virtual store), e.g. `pg@8.23.1`. */
export function installedPackages(folder: string): string[] {
  return readdirSync(join(folder, 'node_modules', '.pnpm')).filter(
    (name) => name !== 'node_modules' && name !== 'lock.yaml',
  );
}

/** Size of a folder in MB, as `du` counts it. */
export async function sizeMb(folder: string): Promise<number> {
  const { stdout } = await run('du', ['-sm', folder]);
  return Number(stdout.split(/\s/)[0]);
}
