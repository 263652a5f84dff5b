#!/usr/bin/env node
// Runs a command on the Node.js major that .nvmrc names (24 LTS), on any machine.
//
//   node scripts/node-runtime.mjs "<shell command>" [args…]   run it with that Node first on PATH
//   node scripts/node-runtime.mjs --bin-dir           print the folder holding that Node
//
// When the node running this script is older, a real Node binary of that major is installed from
// the npm registry (the `node` package) into the git-ignored .node/ of the repository, once, and put
// first on PATH for the command only. The machine's own node is never replaced. Plain JavaScript on
// purpose: it must run on the older Node it replaces.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const wanted = Number.parseInt(readFileSync(join(root, '.nvmrc'), 'utf8'), 10);
const localBin = join(root, '.node', 'node_modules', '.bin');

function majorOf(nodeBinary) {
  try {
    return Number.parseInt(execFileSync(nodeBinary, ['-p', 'process.versions.node']).toString(), 10);
  } catch {
    return 0;
  }
}

/** The folder of a Node of the wanted major: this process's own, or .node/ (installed if missing). */
function binDir() {
  if (Number.parseInt(process.versions.node, 10) >= wanted) return dirname(process.execPath);
  if (majorOf(join(localBin, 'node')) !== wanted) {
    process.stderr.write(
      `Node ${process.versions.node} is older than the ${wanted} this project runs on: installing Node ${wanted} from the npm registry into .node/ (once; the machine's node is left alone)\n`,
    );
    execFileSync(
      'npm',
      ['install', '--prefix', join(root, '.node'), '--no-save', '--no-audit', '--no-fund', `node@${wanted}`],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    if (majorOf(join(localBin, 'node')) !== wanted) {
      process.stderr.write(
        `Installing Node ${wanted} into .node/ failed; install Node ${wanted} yourself (see README).\n`,
      );
      process.exit(1);
    }
  }
  return localBin;
}

const args = process.argv.slice(2);
if (args[0] === '--bin-dir') {
  process.stdout.write(`${binDir()}\n`);
} else if (args.length >= 1) {
  const dir = binDir();
  const env = { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` };
  // Arguments after the command (`pnpm start -- --flag`) are passed on, quoted for the shell.
  const extra = args.slice(1).map((arg) => `'${arg.replaceAll("'", "'\\''")}'`);
  // The command runs in a process group of its own, and every signal this script receives is
  // passed to that whole group: a shell between us and the command (`sh -c`) would die of a signal
  // without passing it on, leaving the command running.
  const child = spawn([args[0], ...extra].join(' '), {
    shell: true,
    // Not a reader of the terminal: in a group of its own it would be stopped by SIGTTIN.
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
    detached: true,
  });
  const forward = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => forward(signal));
  // pnpm's own shell may die of a signal without passing it on: orphaned, this script stops the command.
  const parent = process.ppid;
  const orphanWatch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(orphanWatch);
    forward('SIGTERM');
  }, 500);
  orphanWatch.unref();
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1);
  });
} else {
  process.stderr.write('usage: node scripts/node-runtime.mjs "<shell command>" | --bin-dir\n');
  process.exit(2);
}
