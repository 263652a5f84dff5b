import type { ServerResponse } from 'node:http';

/** Merged Vary values by the one already set and the names added: every response sets the same few. */
const MERGED = new Map<string, string>();
const MERGED_MAX = 64;

function merge(current: string, names: string): string {
  const list = [...current.split(','), ...names.split(',')].map((name) => name.trim()).filter(Boolean);
  const seen = new Set<string>();
  return list
    .filter((name) => {
      const key = name.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .join(', ');
}

/**
 * Adds header names to the response's Vary (the server's CORS answer varies by Origin, tRPC's by
 * its accept headers): a cache must see them all, and writing one would drop the others.
 */
export function appendVary(res: ServerResponse, names: string): void {
  const header = res.getHeader('vary');
  const current = header === undefined ? '' : String(header);
  const key = `${current}\n${names}`;
  let merged = MERGED.get(key);
  if (merged === undefined) {
    merged = merge(current, names);
    if (MERGED.size < MERGED_MAX) MERGED.set(key, merged);
  }
  res.setHeader('vary', merged);
}
