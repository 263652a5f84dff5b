import type { ChildProcess } from 'node:child_process';
import { isAbsolute, join } from 'node:path';
import { spawnNode } from '@tenant/spawn';
import { type ProcessName, pipeLines, say } from './log-stream';

export type Child = {
  name: ProcessName;
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
};

export interface ChildOptions {
  /**
   * Gives the child a stdin pipe that closes however the supervisor ends, even SIGKILLed, so the
   * child can stop cleanly by itself. Such a child is not SIGKILLed when the supervisor exits:
   * that would orphan whatever it runs (the embedded database helper's postgres).
   */
  lifeline?: boolean;
  /** Sees each stdout line first; a line it returns true for is not logged. */
  takeStdoutLine?: (line: string) => boolean;
  /** More flags for the child's node, before its entry point (V8 heap sizes, say). */
  nodeFlags?: readonly string[];
}

/**
 * Runs a workspace TypeScript entry point (relative to `root`, or absolute) as its own process,
 * from its sources (@tenant/spawn), so nothing needs building and signals reach the program itself.
 */
export function startChild(
  name: ProcessName,
  root: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  options: ChildOptions = {},
): Child {
  const child = spawnNode(isAbsolute(entry) ? entry : join(root, entry), {
    cwd: root,
    env,
    nodeFlags: options.nodeFlags,
    stdio: [options.lifeline ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which then stops the
    // children one by one in order (worker drains before the api, the api before the sandbox, the
    // database last).
    detached: true,
  });
  // …and if the supervisor itself dies, the children go with it.
  if (!options.lifeline) {
    process.on('exit', () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
  }
  if (child.stdout) pipeLines(name, child.stdout, { take: options.takeStdoutLine });
  if (child.stderr) pipeLines(name, child.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close', not 'exit': the child's last lines (a failure's reason) are read first.
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    name,
    process: child,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        say(`${name} did not stop within ${graceMs / 1000} s: killing it`);
        killGroup(child, 'SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The child's whole process group (it leads one): whatever it started goes too. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal); // the group is already gone
  }
}

/** Resolves when `url` answers (any HTTP status), or rejects after `timeoutMs`. */
export async function waitForHttp(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`${child.name} exited before it was ready`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`${child.name} did not answer at ${url} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
