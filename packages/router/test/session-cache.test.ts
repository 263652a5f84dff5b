import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionCache } from '../src/auth/session-cache';
import { createHarness, type Harness } from '../src/testing/harness';
import { sql } from '../src/testing/sql';
import { rejection } from './rejection';

const TTL_MS = 5_000;
let h: Harness;
let now = new Date('2026-03-01T09:00:00Z');
const sessions = createSessionCache({ ttlMs: TTL_MS });
const later = (ms: number) => {
  now = new Date(now.getTime() + ms);
};

beforeAll(async () => {
  h = await createHarness({ clock: () => now, sessions, config: { authTokenTtlSeconds: 3600 } });
});
afterAll(() => h?.close());

/** Revokes a token behind the cache's back, as a logout through another api instance does. */
async function revokeElsewhere(userId: string) {
  await sql(h.em()).run('update auth_tokens set revoked_at = ? where user_id = ?', [now, userId]);
}

describe('session cache (one per api process)', () => {
  it('answers a verified token without the database for its ttl, then looks it up again', async () => {
    const { user, api } = await h.signUp();
    expect((await api.auth.me()).id).toBe(user.id);
    await revokeElsewhere(user.id);
    later(TTL_MS - 1);
    // Within the ttl the revocation made elsewhere is not seen yet: the documented trade.
    expect((await api.accounts.list()).length).toBe(0);
    later(2);
    expect((await rejection(api.accounts.list())).code).toBe('UNAUTHORIZED');
  });

  it('forgets a token at once on logout through this process', async () => {
    const { api } = await h.signUp();
    await api.auth.me();
    await api.auth.logout();
    expect((await rejection(api.auth.me())).code).toBe('UNAUTHORIZED');
    later(TTL_MS + 1);
    expect((await rejection(api.auth.me())).code).toBe('UNAUTHORIZED');
  });

  it('never serves a session past its token’s expiry', async () => {
    const { api } = await h.signUp();
    await api.auth.me();
    // The token lives 3600 s; move to 1 ms before its end, re-verify, then step over it.
    later(3600_000 - 1);
    await api.auth.me();
    later(2);
    expect((await rejection(api.auth.me())).code).toBe('UNAUTHORIZED');
  });

  it('keeps users apart: each token resolves to its own user while both are cached', async () => {
    const alice = await h.signUp();
    const bob = await h.signUp();
    for (let i = 0; i < 3; i++) {
      expect((await alice.api.auth.me()).id).toBe(alice.user.id);
      expect((await bob.api.auth.me()).id).toBe(bob.user.id);
    }
  });
});

describe('createSessionCache', () => {
  const session = (id: string) => ({
    user: { id, email: `${id}@example.com`, tenantUserId: id },
    tokenId: `token-${id}`,
    expiresAt: new Date('2030-01-01T00:00:00Z'),
  });
  const at = new Date('2026-01-01T00:00:00Z');

  it('holds at most maxEntries, dropping the oldest first', () => {
    const cache = createSessionCache({ ttlMs: 60_000, maxEntries: 2 });
    cache.set('a', session('a'), at);
    cache.set('b', session('b'), at);
    cache.set('c', session('c'), at);
    expect(cache.size).toBe(2);
    expect(cache.get('a', at)).toBeUndefined();
    expect(cache.get('c', at)?.user.id).toBe('c');
  });

  it('remembers nothing when its ttl is 0', () => {
    const cache = createSessionCache({ ttlMs: 0 });
    cache.set('a', session('a'), at);
    expect(cache.get('a', at)).toBeUndefined();
  });

  it('refuses to re-remember an evicted token for one ttl', () => {
    const cache = createSessionCache({ ttlMs: 1_000 });
    cache.evict('a', at);
    cache.set('a', session('a'), new Date(at.getTime() + 999));
    expect(cache.get('a', new Date(at.getTime() + 999))).toBeUndefined();
    cache.set('a', session('a'), new Date(at.getTime() + 1_000));
    expect(cache.get('a', new Date(at.getTime() + 1_000))?.user.id).toBe('a');
  });
});
