import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const COLORS = { postgres: 34, sandbox: 35, api: 36, worker: 33, web: 94, stack: 32 } as const;
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
// service: the line's prefix already names the process.
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'name', 'service', 'msg', 'v']);

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);

export type ProcessName = keyof typeof COLORS;

export function prefix(name: ProcessName): string {
  return paint(COLORS[name], `[${name}]`.padEnd(10));
}

/**
 * One readable line from a pino JSON line: `12:00:01 INFO  consent synced consentId=… inserted=12`.
 * Anything that is not pino JSON passes through unchanged.
 */
export function prettyLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry.level !== 'number' || typeof entry.msg !== 'string') return line;
  const at =
    typeof entry.time === 'number' || typeof entry.time === 'string' ? new Date(entry.time) : new Date();
  const time = Number.isNaN(at.getTime()) ? '' : at.toISOString().slice(11, 19);
  const level = LEVELS[entry.level] ?? String(entry.level);
  const levelText = entry.level >= 50 ? paint(31, level) : entry.level >= 40 ? paint(33, level) : level;
  const fields = Object.entries(entry)
    .filter(([key]) => !SKIP.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${time} ${levelText.padEnd(5)} ${entry.msg}${fields ? ` ${paint(90, fields)}` : ''}`;
}

export interface PipeOptions {
  out?: NodeJS.WritableStream;
  /** Sees each line first; a line it returns true for is consumed (a protocol line, not a log line). */
  take?: (line: string) => boolean;
}

/** Pipes a child's stream into ours, line by line, prefixed with its name. */
export function pipeLines(name: ProcessName, stream: Readable, options: PipeOptions = {}): void {
  const { out = process.stdout, take } = options;
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', (line) => {
    if (line.trim() === '' || take?.(line)) return;
    out.write(`${prefix(name)} ${prettyLine(line)}\n`);
  });
}

export function say(message: string): void {
  for (const line of message.split('\n')) process.stdout.write(`${prefix('stack')} ${line}\n`);
}
