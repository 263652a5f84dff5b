import type { ServerResponse } from 'node:http';

/**
 * Adds header names to the response's Vary (the server's CORS answer varies by Origin, tRPC's by
 * its accept headers): a cache must see them all, and writing one would drop the others.
 */
export function appendVary(res: ServerResponse, names: string): void {
  const current = res.getHeader('vary');
  const list = [...(current === undefined ? [] : String(current).split(',')), ...names.split(',')]
    .map((name) => name.trim())
    .filter(Boolean);
  const seen = new Set<string>();
  const merged = list.filter((name) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  res.setHeader('vary', merged.join(', '));
}
