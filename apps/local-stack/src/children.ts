import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { type ProcessName, pipeLines, say } from './log-stream';

export type Child = {
  name: ProcessName;
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
};

/**
 * Runs a workspace TypeScript entry point as its own process: `node --conditions=@tenant/source
 * --import tsx <entry>`, so nothing needs building and signals reach the program itself.
 */
export function startChild(name: ProcessName, root: string, entry: string, env: NodeJS.ProcessEnv): Child {
  const child = spawn(
    process.execPath,
    ['--conditions=@tenant/source', '--import', 'tsx', join(root, entry)],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which then stops the
      // children one by one in order (worker drains before the api, the api before the sandbox).
      detached: true,
    },
  );
  // …and if the supervisor itself dies, the children go with it.
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  if (child.stdout) pipeLines(name, child.stdout);
  if (child.stderr) pipeLines(name, child.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
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
        child.kill('SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
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
