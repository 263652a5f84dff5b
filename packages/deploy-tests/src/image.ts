import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What the final stage of a Dockerfile says about the process it runs. */
export interface Image {
  /** The ENV of the final stage. */
  env: Record<string, string>;
  /** The CMD, as exec-form arguments: `node [flags…] <entry> [args…]`. */
  cmd: string[];
  user: string | undefined;
  /** The HEALTHCHECK's arguments (`NONE` for a job). */
  healthcheck: string | undefined;
  fromImages: string[];
}

/** Reads `path` (relative to the repository) the way docker would, with a real Dockerfile parser. */
export function imageOf(path: string): Image {
  const file = DockerfileParser.parse(readFileSync(join(ROOT, path), 'utf8'));
  const froms = file.getFROMs();
  const lastFrom = froms.at(-1)?.getRange().start.line ?? 0;
  const final = <T extends Instruction>(list: T[]) => list.filter((i) => i.getRange().start.line > lastFrom);
  const env: Record<string, string> = {};
  for (const instruction of final(file.getENVs())) {
    for (const property of instruction.getProperties()) env[property.getName()] = property.getValue() ?? '';
  }
  const cmd = final(file.getCMDs()).at(-1);
  const user = final(file.getInstructions().filter((i) => i.getKeyword() === 'USER')).at(-1);
  const args = Object.fromEntries(
    file.getARGs().map((a) => [a.getProperty()?.getName(), a.getProperty()?.getValue()]),
  );
  return {
    env,
    cmd: cmd?.getJSONStrings().map((s) => s.getJSONValue()) ?? [],
    user: user?.getArgumentsContent() ?? undefined,
    healthcheck: final(file.getHEALTHCHECKs()).at(-1)?.getArgumentsContent() ?? undefined,
    fromImages: froms.map((f) => {
      const name = f.getImageName() ?? '';
      return name.replace(/^\$\{(\w+)\}$/, (_, arg: string) => String(args[arg] ?? name));
    }),
  };
}

/** The deployable folders and the Dockerfile that builds an image of each. */
export const IMAGES = {
  api: { package: '@tenant/api', dockerfile: 'apps/api/Dockerfile', dir: 'apps/api' },
  worker: {
    package: '@tenant/sync-worker',
    dockerfile: 'apps/sync-worker/Dockerfile',
    dir: 'apps/sync-worker',
  },
  migrate: { package: '@tenant/migrate', dockerfile: 'apps/migrate/Dockerfile', dir: 'apps/migrate' },
  sandbox: {
    package: '@tenant/finqware-sandbox',
    dockerfile: 'packages/finqware-sandbox/Dockerfile',
    dir: 'packages/finqware-sandbox',
  },
} as const;
