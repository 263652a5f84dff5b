import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root (the directory holding pnpm-workspace.yaml), found from this module or the cwd. */
export function repoRoot(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  return process.cwd();
}

/** The sandbox's catalog: the default catalog to seed. */
export function defaultCatalogPath(): string {
  return join(repoRoot(), 'packages', 'finqware-sandbox', 'catalog.json');
}

/** Where local state (the embedded PostgreSQL) lives: TENANT_DATA_DIR or `<repo root>/.data`. */
export function dataDir(configured?: string): string {
  return configured ? resolve(configured) : join(repoRoot(), '.data');
}
