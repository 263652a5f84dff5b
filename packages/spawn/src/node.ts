import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How the workspace runs one of its programs as a process of its own: node itself, never the tsx
 * CLI, which would put a second process in between that a signal (a SIGKILL above all) cannot be
 * relayed through, so that signals and exit codes are the program's own.
 */
export interface NodeProcessOptions extends Pick<SpawnOptions, 'cwd' | 'env' | 'stdio' | 'detached'> {
  /**
   * `source` (default): a TypeScript entry, the workspace packages resolved to their sources (the
   * `@tenant/source` condition) and compiled on the fly by tsx, so nothing needs building.
   * `built`: plain JavaScript, run as a deployment runs it.
   */
  from?: 'source' | 'built';
  /** Flags for node itself (V8 heap sizes, --cpu-prof…), before the entry. */
  nodeFlags?: readonly string[];
  /** The program's own arguments, after the entry. */
  args?: readonly string[];
}

/** node's arguments for `entry` (see NodeProcessOptions). */
export function nodeArgs(
  entry: string,
  options: Pick<NodeProcessOptions, 'from' | 'nodeFlags' | 'args'> = {},
): string[] {
  const loader =
    (options.from ?? 'source') === 'source' ? ['--conditions=@tenant/source', '--import', 'tsx'] : [];
  return [...(options.nodeFlags ?? []), ...loader, entry, ...(options.args ?? [])];
}

/** Runs `entry` (an absolute path) in a new node process. */
export function spawnNode(entry: string, options: NodeProcessOptions = {}): ChildProcess {
  const { from, nodeFlags, args, ...spawnOptions } = options;
  return spawn(process.execPath, nodeArgs(entry, { from, nodeFlags, args }), {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...spawnOptions,
  });
}

/**
 * The node flags a package asks to run with, from its package.json (`"tenant": { "nodeFlags": […] }`):
 * one place for what `pnpm start`, the benchmarks and the images all pass.
 */
export function packageNodeFlags(packageDir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    tenant?: { nodeFlags?: string[] };
  };
  return manifest.tenant?.nodeFlags ?? [];
}
