import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

export type StateText =
  | { kind: 'missing' }
  | { kind: 'read'; text: string }
  | { kind: 'unreadable'; reason: string };

export function readStateText(file: string): StateText {
  try {
    return { kind: 'read', text: readFileSync(file, 'utf8') };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // ENOTDIR: a parent is a file, so there is no state file either; writing will say what is wrong.
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'unreadable', reason: `cannot be read (${e.code ?? e.message})` };
  }
}

/**
 * Temp file + rename, so a crash mid-write leaves the previous file whole. Mode 0600 from the first
 * byte: the file holds access tokens, fake as they are.
 */
export function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Keeps a bad file for a human to look at, out of the way of the next write. Returns the new path. */
export function moveAside(file: string, nowMs = Date.now()): string {
  // A directory in the file's place is someone's on purpose, not a corrupt write of ours.
  if (statSync(file).isDirectory()) throw new Error('it is a directory');
  const aside = `${file}.corrupt-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(file, aside);
  return aside;
}
