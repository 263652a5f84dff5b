import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace's packages/ folder, and this package's own binaries (publint, attw). */
const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../node_modules/.bin/', import.meta.url));
/** The programs the consumer projects run, one folder per published package. */
export const PROGRAMS = fileURLToPath(new URL('../programs/', import.meta.url));

export type Outcome = { code: number; stdout: string; stderr: string };

/**
 * `name@version` with the version the workspace itself installed (from the catalog or the root
 * package.json), as seen from packages/<from> (or the root): the consumer projects test against
 * the same versions as the workspace, written in one place.
 */
export function workspaceVersion(name: string, from?: string): string {
  const paths = [
    ...(from ? [join(PACKAGES, from, 'node_modules', name, 'package.json')] : []),
    join(PACKAGES, '..', 'node_modules', name, 'package.json'),
  ];
  for (const path of paths) {
    try {
      return `${name}@${(JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version}`;
    } catch {}
  }
  throw new Error(`${name} is not installed in the workspace${from ? ` (from packages/${from})` : ''}`);
}

/** `name@x.y.z` for the lowest version a package's peer range `^x.y.z` accepts. */
export function lowestPeer(name: string, packageDir: string): string {
  const manifest = JSON.parse(readFileSync(join(PACKAGES, packageDir, 'package.json'), 'utf8')) as {
    peerDependencies?: Record<string, string>;
  };
  const floor = manifest.peerDependencies?.[name]?.match(/^\^(\d+\.\d+\.\d+)$/)?.[1];
  if (!floor) throw new Error(`packages/${packageDir} has no ^x.y.z peer range for ${name}`);
  return `${name}@${floor}`;
}

/**
 * The environment of a command run as a consumer would run it: without the npm_* and pnpm_*
 * variables `pnpm test` sets (npm would read them as its own configuration).
 */
function consumerEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm|pnpm)_/i.test(key)));
}

/** Runs a command to its end; never throws for a failure, the caller asserts on the outcome. */
function run(command: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: consumerEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr || (error && !stdout ? String(error.message) : '') });
      },
    );
  });
}

function must(outcome: Outcome, what: string): Outcome {
  if (outcome.code !== 0)
    throw new Error(`${what} failed (${outcome.code}):\n${outcome.stdout}\n${outcome.stderr}`);
  return outcome;
}

/**
 * `pnpm pack` of a workspace package (its `prepack` builds it first, and pnpm writes real versions
 * for `catalog:` and `workspace:`), into `destination`. Returns the tarball's path.
 */
export async function pack(packageDir: string, destination: string): Promise<string> {
  const outcome = must(
    await run('pnpm', ['pack', '--pack-destination', destination], join(PACKAGES, packageDir)),
    `pnpm pack of ${packageDir}`,
  );
  const tarball = outcome.stdout
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line.endsWith('.tgz'));
  if (!tarball) throw new Error(`pnpm pack of ${packageDir} named no tarball:\n${outcome.stdout}`);
  return tarball;
}

export interface ConsumerProject {
  /** The project's folder, under the OS temp dir: outside the workspace, as another team's repo is. */
  dir: string;
  /** Tarballs by workspace package folder (e.g. `client`). */
  tarballs: Record<string, string>;
  write(file: string, text: string): Promise<void>;
  /** Copies a program from programs/<folder>/ into the project. */
  copyProgram(folder: string, file: string): Promise<void>;
  /** `tsc -p .` with the project's own TypeScript. */
  typecheck(): Promise<Outcome>;
  /** Runs a command in the project (a program: `run(process.execPath, ['main.ts'])`). */
  run(command: string, args: string[], timeoutMs?: number): Promise<Outcome>;
  /** publint and Are the Types Wrong on one of its tarballs: the reports of problems, none when fine. */
  lint(packageDir: string, profile: 'strict' | 'esm-only'): Promise<string[]>;
  /** Every package installed in node_modules, nested ones included, by name. */
  installedPackages(): Promise<string[]>;
  remove(): Promise<void>;
}

/**
 * A new npm project in the OS temp dir with the packed workspace packages and the given registry
 * packages installed by npm, from its cache when it can (`--prefer-offline`).
 */
export async function createConsumerProject(options: {
  /** Workspace package folders under packages/ to pack and install. */
  packages: string[];
  /** Registry packages, pinned (`typescript@5.9.3`). */
  registry: string[];
  /** The project's tsconfig compilerOptions; `skipLibCheck` is always false. */
  compilerOptions: Record<string, unknown>;
}): Promise<ConsumerProject> {
  const dir = await mkdtemp(join(tmpdir(), 'tenant-consumer-'));
  const tarballs: Record<string, string> = {};
  for (const packageDir of options.packages) tarballs[packageDir] = await pack(packageDir, dir);
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2),
  );
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          ...options.compilerOptions,
          skipLibCheck: false,
        },
        include: ['*.ts', '*.tsx'],
      },
      null,
      2,
    ),
  );
  must(
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...Object.values(tarballs).map((tarball) => `./${basename(tarball)}`),
        ...options.registry,
      ],
      dir,
    ),
    'npm install',
  );
  return {
    dir,
    tarballs,
    write: (file, text) => writeFile(join(dir, file), text),
    async copyProgram(folder, file) {
      await writeFile(join(dir, file), await readFile(join(PROGRAMS, folder, file)));
    },
    typecheck: () => run(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', '.'], dir),
    run: (command, args, timeoutMs) => run(command, args, dir, timeoutMs),
    lint: (packageDir, profile) => lintTarball(tarballs[packageDir] as string, profile),
    installedPackages: () => installedPackages(join(dir, 'node_modules')),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

async function installedPackages(nodeModules: string): Promise<string[]> {
  const names: string[] = [];
  const entries = await readdir(nodeModules, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const scoped = entry.name.startsWith('@');
    const dirs = scoped
      ? (await readdir(join(nodeModules, entry.name))).map((name) => `${entry.name}/${name}`)
      : [entry.name];
    for (const name of dirs) {
      names.push(name);
      names.push(...(await installedPackages(join(nodeModules, name, 'node_modules'))));
    }
  }
  return names;
}

/**
 * publint (warnings counted as errors) and Are the Types Wrong? on a tarball: the report of each
 * that found a problem, none when the package is fine. attw's `esm-only` profile is for packages
 * that ship no CommonJS (it ignores how `require` would resolve them); `strict` checks every mode.
 */
async function lintTarball(tarball: string, profile: 'strict' | 'esm-only'): Promise<string[]> {
  const [publint, attw] = await Promise.all([
    run(join(BIN, 'publint'), ['run', tarball, '--strict'], PACKAGES),
    run(join(BIN, 'attw'), [tarball, '--profile', profile, '--format', 'ascii', '--no-color'], PACKAGES),
  ]);
  return [
    ...(publint.code === 0 && publint.stdout.includes('All good!')
      ? []
      : [`publint:\n${publint.stdout}${publint.stderr}`]),
    ...(attw.code === 0 ? [] : [`attw:\n${attw.stdout}${attw.stderr}`]),
  ];
}
