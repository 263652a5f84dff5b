import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type NodeProcessOptions, spawnNode } from './node';

/**
 * A program of the workspace as a process that can be started, killed, stopped and started again
 * (the soak's chaos, the secrets audit), with its output read line by line.
 */
export type ManagedProcessOptions = {
  name: string;
  /** Absolute path of the entry module. */
  entry: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Sources (default) or built JavaScript; see spawnNode. */
  from?: NodeProcessOptions['from'];
  /** Every line the process writes, stdout and stderr. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Called when the process exits on its own or is killed. */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
};

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly watchers = new Set<(line: string) => void>();
  starts = 0;
  kills = 0;

  constructor(readonly options: ManagedProcessOptions) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.running) return;
    const { entry, cwd, env, from, onLine, onExit } = this.options;
    const child = spawnNode(entry, { cwd, env, from });
    this.child = child;
    this.starts++;
    for (const stream of ['stdout', 'stderr'] as const) {
      const lines = createInterface({ input: child[stream] as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        onLine?.(line, stream);
        for (const watch of [...this.watchers]) watch(line);
      });
    }
    // 'close', not 'exit': a process's last lines may still be in its pipes when it exits.
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        onExit?.(code, signal);
        resolve();
      });
    });
  }

  /** SIGKILL: no handler runs, nothing is flushed — a crash, as far as the process can tell. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.kills++;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait (the process's own graceful shutdown), SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resolves when `predicate` matches a line written from now on (e.g. "listening"). */
  waitForLine(predicate: (line: string) => boolean, timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = this.child;
      if (!child || !this.running) return reject(new Error(`${this.options.name} is not running`));
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.watchers.delete(watch);
        child.off('close', onExit);
        fn();
      };
      const watch = (line: string) => {
        if (predicate(line)) done(() => resolve(line));
      };
      const onExit = () => done(() => reject(new Error(`${this.options.name} exited before it was ready`)));
      const timer = setTimeout(
        () => done(() => reject(new Error(`${this.options.name} not ready after ${timeoutMs} ms`))),
        timeoutMs,
      );
      this.watchers.add(watch);
      child.once('close', onExit);
    });
  }
}
