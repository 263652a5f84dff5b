/**
 * The embedded PostgreSQL of `pnpm start`, run by a helper process (src/database-helper.ts) in a
 * process group of its own. Started in this process, postgres would sit
 * in the terminal's foreground group and shut down on the same Ctrl-C as the supervisor, while the
 * api and worker still drain against it; as a child like the others, it stops when the supervisor
 * says so, last.
 */
import { fileURLToPath } from 'node:url';
import { type Child, startChild } from './children';

const HELPER = fileURLToPath(new URL('./database-helper.ts', import.meta.url));

export interface EmbeddedDatabase {
  /** The helper; `stop()` stops the server (after a first start, initdb can take a while). */
  helper: Child;
  /** The `tenant` database's URL once the server accepts connections. */
  url: Promise<string>;
}

/**
 * The helper's one protocol line: `{"ready":true,"url":"…"}`, or `{"ready":false,"error":"…"}` when
 * the server cannot start (the reason, said once, for the supervisor to report).
 */
export function readyLine(line: string): { url: string } | { error: string } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const message = JSON.parse(line) as { ready?: unknown; url?: unknown; error?: unknown };
    if (message.ready === true && typeof message.url === 'string') return { url: message.url };
    if (message.ready === false && typeof message.error === 'string') return { error: message.error };
  } catch {
    // not ours
  }
  return undefined;
}

/**
 * Starts the helper at once (so a shutdown during a slow first start can still stop it) and
 * resolves `url` on its ready line. Rejects if the helper exits first or is not ready within
 * `readyTimeoutMs`; the reason is then in its `[postgres]` lines of the log.
 */
export function startEmbeddedDatabase(
  root: string,
  env: NodeJS.ProcessEnv,
  readyTimeoutMs = 120_000,
): EmbeddedDatabase {
  let onReady: (url: string) => void = () => undefined;
  let onFailed: (error: Error) => void = () => undefined;
  const ready = new Promise<string>((resolve, reject) => {
    onReady = resolve;
    onFailed = reject;
  });
  const helper = startChild('postgres', root, HELPER, env, {
    // Closing stdin stops the server if the supervisor dies without stopping it.
    lifeline: true,
    takeStdoutLine: (line) => {
      const said = readyLine(line);
      if (said && 'url' in said) onReady(said.url);
      if (said && 'error' in said) onFailed(new Error(said.error));
      return said !== undefined;
    },
  });

  let timer: NodeJS.Timeout | undefined;
  const url = Promise.race([
    ready,
    helper.exited.then(({ code, signal }) => {
      throw new Error(
        `the embedded PostgreSQL exited (${signal ?? `code ${code}`}) before it was ready: see the [postgres] lines above`,
      );
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `the embedded PostgreSQL was not ready within ${readyTimeoutMs / 1000} s: see the [postgres] lines above`,
            ),
          ),
        readyTimeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  return { helper, url };
}
