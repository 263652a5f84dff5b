import type { AuthedUser } from '../context';

export type CachedSession = {
  user: AuthedUser;
  tokenId: string;
  /** The token's own expiry: a cached session never outlives it. */
  expiresAt: Date;
};

type Entry = CachedSession & { cachedUntil: number };

/**
 * Verified bearer tokens, remembered per api process for a few seconds, so an authenticated read
 * costs one database round trip instead of two (the token lookup was half of them).
 *
 * The trade: a token revoked through *another* api instance keeps working here for at most
 * `ttlMs`. A logout through this instance evicts at once. Keys are token hashes, never tokens.
 */
export type SessionCache = {
  get(tokenHash: string, now: Date): CachedSession | undefined;
  set(tokenHash: string, session: CachedSession, now: Date): void;
  /** Forgets the token, and refuses to remember it again for `ttlMs` (a lookup racing the logout). */
  evict(tokenHash: string, now: Date): void;
  readonly size: number;
};

export function createSessionCache(options: {
  ttlMs: number;
  maxEntries?: number;
  /** Told of every lookup, whether the cache answered it (metrics). */
  onLookup?: (hit: boolean) => void;
}): SessionCache {
  const maxEntries = options.maxEntries ?? 10_000;
  // A Map iterates in insertion order: the first key is the oldest entry, evicted when full.
  const entries = new Map<string, Entry>();
  const evictedUntil = new Map<string, number>();
  return {
    get(tokenHash, now) {
      const entry = entries.get(tokenHash);
      const at = now.getTime();
      const live = entry !== undefined && at < entry.cachedUntil && at < entry.expiresAt.getTime();
      if (entry && !live) entries.delete(tokenHash);
      options.onLookup?.(live);
      return live ? entry : undefined;
    },
    set(tokenHash, session, now) {
      if (options.ttlMs <= 0) return;
      const evicted = evictedUntil.get(tokenHash);
      if (evicted !== undefined) {
        if (now.getTime() < evicted) return;
        evictedUntil.delete(tokenHash);
      }
      entries.delete(tokenHash);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(tokenHash, { ...session, cachedUntil: now.getTime() + options.ttlMs });
    },
    evict(tokenHash, now) {
      entries.delete(tokenHash);
      if (options.ttlMs <= 0) return;
      // Logouts are rare: the tombstones are swept here rather than on every read.
      for (const [hash, until] of evictedUntil) if (until <= now.getTime()) evictedUntil.delete(hash);
      evictedUntil.set(tokenHash, now.getTime() + options.ttlMs);
    },
    get size() {
      return entries.size;
    },
  };
}
