import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Apps are composition roots and never import each other (docs/architecture.md): what two apps
 * share lives in a package. `pnpm start` runs the other apps as processes, by their entry's path,
 * which is not an import. Checked for every app, so a new one is held to it too.
 */
const APPS = fileURLToPath(new URL('../../', import.meta.url));
const apps = readdirSync(APPS, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => {
    const dir = join(APPS, entry.name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    return { dir, manifest };
  });
const appNames = new Set(apps.map((app) => app.manifest.name));

/** Every module specifier imported (statically, dynamically or by type) by a TypeScript file under `dir`. */
function importsUnder(dir: string): { file: string; specifier: string }[] {
  const found: { file: string; specifier: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = join(entry.parentPath, entry.name);
    if (!entry.isFile() || !/\.(ts|tsx|mts)$/.test(entry.name) || file.includes(`${sep}node_modules${sep}`))
      continue;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g))
      found.push({ file, specifier: match[1] as string });
  }
  return found;
}

describe('app boundaries', () => {
  it('no app depends on or imports another app', () => {
    expect(apps.length).toBeGreaterThan(3);
    const crossings: string[] = [];
    for (const { dir, manifest } of apps) {
      for (const name of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }))
        if (appNames.has(name) && name !== manifest.name)
          crossings.push(`${manifest.name} depends on ${name}`);
      for (const folder of ['src', 'test', 'bench']) {
        let imports: { file: string; specifier: string }[] = [];
        try {
          imports = importsUnder(join(dir, folder));
        } catch {
          continue; // the app has no such folder
        }
        for (const { file, specifier } of imports) {
          const byName = [...appNames].find(
            (name) => name !== manifest.name && (specifier === name || specifier.startsWith(`${name}/`)),
          );
          const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : undefined;
          const leaves = target !== undefined && relative(dir, target).startsWith('..');
          if (byName || leaves) crossings.push(`${relative(APPS, file)} imports ${specifier}`);
        }
      }
    }
    expect(crossings).toEqual([]);
  });
});
