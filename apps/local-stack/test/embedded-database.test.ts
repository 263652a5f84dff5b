import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createOrm } from '@tenant/domain';
import { temporaryDataDir } from '@tenant/domain/embedded';
import { spawnNode } from '@tenant/spawn';
import { afterAll, describe, expect, it } from 'vitest';

// What `pnpm start` users rely on: Ctrl-C in the terminal reaches the supervisor's process group,
// and the embedded PostgreSQL must keep serving until the supervisor stops it last. A real
// embedded server (initdb on the first start: ~5-10 s); the test runs always, since the behaviour
// it guards only shows with real processes and signals.

const PARENT = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'database-parent.ts');
const dataRoot = dirname(temporaryDataDir('tenant-stack-db-test-'));

type Parent = { process: ChildProcess; lines: string[]; exited: Promise<number | null> };
const started: Parent[] = [];
const helperPids: number[] = [];

/** The supervisor stand-in, in its own process group like `pnpm start` under a terminal. */
function startParent(): Parent {
  const child = spawnNode(PARENT, { env: { ...process.env, TENANT_DATA_DIR: dataRoot }, detached: true });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const parent = { process: child, lines, exited };
  started.push(parent);
  return parent;
}

/** Polls `condition` until true; the error names `what` and shows the parent's output. */
async function until(what: string, parent: Parent, condition: () => boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`${what}: timed out; parent output:\n${parent.lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const readyLine = (parent: Parent) => parent.lines.find((l) => l.startsWith('{"url"'));

async function ready(parent: Parent): Promise<{ url: string; helperPid: number }> {
  await until(
    'ready line',
    parent,
    () => readyLine(parent) !== undefined || parent.process.exitCode !== null,
  );
  const line = readyLine(parent);
  if (!line) throw new Error(`the parent exited before ready:\n${parent.lines.join('\n')}`);
  const ready = JSON.parse(line) as { url: string; helperPid: number };
  helperPids.push(ready.helperPid);
  return ready;
}

/** Logs in and runs a query: what the api and worker need from the server. */
async function query(url: string): Promise<unknown> {
  const orm = await createOrm({ clientUrl: url, pool: 1 });
  try {
    return await orm.em.getConnection().execute('select 1 as one');
  } finally {
    await orm.close(true);
  }
}

function portAcceptsConnections(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Alive and not a zombie (an orphan's exit may wait for a reaper that never comes). */
function processRuns(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

afterAll(async () => {
  // Whatever a failed run left: parents, helpers and their postgres (each leads its process group).
  for (const pid of [...started.map((p) => p.process.pid), ...helperPids]) {
    try {
      if (pid) process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(dataRoot, { recursive: true, force: true });
});

describe('the embedded database of pnpm start', () => {
  it('ignores a Ctrl-C to the supervisor, stops on request, and never outlives a dead supervisor', {
    timeout: 180_000,
  }, async () => {
    const pidFile = join(dataRoot, 'pg', 'postmaster.pid');

    // Ctrl-C: SIGINT to the supervisor's whole process group.
    const first = startParent();
    const { url, helperPid } = await ready(first);
    process.kill(-(first.process.pid as number), 'SIGINT');
    await until('SIGINT acknowledgement', first, () => first.lines.includes('SIGINT'));
    await new Promise((r) => setTimeout(r, 1000)); // a fast shutdown would be over by now
    expect(await query(url)).toEqual([{ one: 1 }]);

    // The supervisor's stop: SIGTERM to the helper, which stops the server cleanly and exits.
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(processRuns(helperPid)).toBe(false);
    expect(await portAcceptsConnections(url)).toBe(false);
    expect(existsSync(pidFile)).toBe(false); // removed by a clean shutdown only

    // A supervisor that dies without stopping anything: the helper sees its stdin close.
    const second = startParent();
    const again = await ready(second);
    expect(await query(again.url)).toEqual([{ one: 1 }]);
    second.process.kill('SIGKILL');
    await until(
      'the helper and its postgres stop after the parent died',
      second,
      () => !processRuns(again.helperPid) && !existsSync(pidFile),
      30_000,
    );
    expect(await portAcceptsConnections(again.url)).toBe(false);
  });
});
