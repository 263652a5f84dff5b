import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashBearerToken, passwordHashStats } from '../src/auth/crypto';
import { ErrorDetails } from '../src/errors';
import { createHarness, type Harness, PASSWORD } from '../src/testing/harness';
import { sql } from '../src/testing/sql';
import { rejection } from './rejection';

let h: Harness;
let now = new Date('2026-01-10T10:00:00Z');

beforeAll(async () => {
  h = await createHarness({
    clock: () => now,
    config: {
      authLimits: {
        loginFailuresPerEmail: { max: 3, windowSeconds: 900 },
        loginsPerAddress: { max: 6, windowSeconds: 900 },
        registrationsPerAddress: { max: 4, windowSeconds: 3600 },
      },
      authTokenTtlSeconds: 3600,
    },
  });
});
afterAll(() => h?.close());

describe('auth', () => {
  it('registers, stores only a scrypt hash and a token hash, and authenticates with the token', async () => {
    const { token, user, api } = await h.signUp('Alice@Example.com');
    expect(user.email).toBe('alice@example.com');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await api.auth.me();
    expect(me.id).toBe(user.id);

    const row = await sql(h.em()).one<{ password_hash: string }>(
      'select password_hash from users where id = ?',
      [user.id],
    );
    expect(row?.password_hash).toMatch(/^scrypt\$/);
    expect(row?.password_hash).not.toContain(PASSWORD);
    const tokens = await sql(h.em()).all<{ token_hash: string }>(
      'select token_hash from auth_tokens where user_id = ?',
      [user.id],
    );
    expect(tokens.map((t) => t.token_hash)).toEqual([hashBearerToken(token)]);
  });

  it('refuses a second account with the same email (any case) with CONFLICT', async () => {
    await h.signUp('bob@example.com');
    const err = await rejection(h.caller().auth.register({ email: 'BOB@example.com', password: PASSWORD }));
    expect(err.code).toBe('CONFLICT');
  });

  it('refuses a password from the common-password list, in any case, before anything is stored', async () => {
    for (const password of ['qwertyuiop', 'Password123', '1q2w3e4r5t6y', 'BASKETBALL']) {
      const error = await rejection(h.caller().auth.register({ email: 'common@example.com', password }));
      expect(error.code).toBe('BAD_REQUEST');
      expect((error.cause as { issues?: { path: string[] }[] }).issues?.[0]?.path).toEqual(['password']);
    }
    expect(await sql(h.em()).all('select id from users where email = ?', ['common@example.com'])).toEqual([]);
    // A long password that is not on the list goes through.
    await h.caller().auth.register({ email: 'common@example.com', password: 'qwertyuiop but longer' });
  });

  it('names the field of a bad input', async () => {
    const err = await rejection(h.caller().auth.register({ email: 'not-an-email', password: 'short' }));
    expect(err.code).toBe('BAD_REQUEST');
  });

  it('logs in with the right password and rejects a wrong one with UNAUTHORIZED', async () => {
    await h.signUp('carol@example.com');
    const ok = await h.caller().auth.login({ email: 'carol@example.com', password: PASSWORD });
    expect((await h.caller(ok.token).auth.me()).email).toBe('carol@example.com');
    const err = await rejection(
      h.caller().auth.login({ email: 'carol@example.com', password: 'wrong password!' }),
    );
    expect(err.code).toBe('UNAUTHORIZED');
    const unknown = await rejection(
      h.caller().auth.login({ email: 'nobody@example.com', password: PASSWORD }),
    );
    expect(unknown.code).toBe('UNAUTHORIZED');
    expect(unknown.message).toBe(err.message);
  });

  it('rejects missing, unknown, revoked and expired tokens', async () => {
    expect((await rejection(h.caller().auth.me())).code).toBe('UNAUTHORIZED');
    expect((await rejection(h.caller('x'.repeat(43)).auth.me())).code).toBe('UNAUTHORIZED');

    const { token, api } = await h.signUp();
    await api.auth.logout();
    expect((await rejection(h.caller(token).auth.me())).code).toBe('UNAUTHORIZED');

    const other = await h.signUp();
    now = new Date(now.getTime() + 3601_000);
    try {
      expect((await rejection(other.api.auth.me())).code).toBe('UNAUTHORIZED');
    } finally {
      now = new Date(now.getTime() - 3601_000);
    }
  });

  it('throttles repeated failures per email, even for the right password, until the window passes', async () => {
    await h.signUp('dave@example.com');
    const attempt = (password: string, ip?: string) =>
      h.caller(undefined, ip).auth.login({ email: 'dave@example.com', password });
    for (let i = 0; i < 3; i++)
      expect((await rejection(attempt('wrong password!'))).code).toBe('UNAUTHORIZED');
    const blocked = await rejection(attempt(PASSWORD, '198.51.100.9'));
    expect(blocked.code).toBe('TOO_MANY_REQUESTS');
    expect(blocked.cause).toBeInstanceOf(ErrorDetails);
    expect((blocked.cause as ErrorDetails).retryAfterSeconds).toBe(900);

    now = new Date(now.getTime() + 901_000);
    const ok = await attempt(PASSWORD);
    expect(ok.user.email).toBe('dave@example.com');
  });

  it('hashes at most two passwords at once, and refuses sign-ins beyond 32 waiting before hashing', async () => {
    let mostRunning = 0;
    const sample = setInterval(() => {
      mostRunning = Math.max(mostRunning, passwordHashStats().running);
    }, 1);
    const before = passwordHashStats().started;
    try {
      // 60 sign-ins at once, each its own e-mail and address, so no limit of the throttle applies.
      const results = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) =>
          h
            .caller(undefined, `203.0.113.${100 + i}`)
            .auth.login({ email: `burst${i}@example.com`, password: 'guess-guess' }),
        ),
      );
      const codes = results.map((r) =>
        r.status === 'rejected' ? (r.reason as { code: string }).code : 'OK',
      );
      const busy = codes.filter((code) => code === 'TOO_MANY_REQUESTS').length;
      expect(busy).toBeGreaterThan(0);
      expect(codes.filter((code) => code === 'UNAUTHORIZED').length + busy).toBe(60);
      // Refused ones never reached the hashing queue.
      expect(passwordHashStats().started - before).toBeLessThanOrEqual(60 - busy + 1);
    } finally {
      clearInterval(sample);
    }
    expect(mostRunning).toBeLessThanOrEqual(2);
    expect(mostRunning).toBeGreaterThan(0);
    // 60 sign-ins, each taking two limit slots in PostgreSQL and up to 32 scrypt hashes two at a
    // time: on a 2-core machine busy with other work that outlasts the default 30 s.
  }, 120_000);

  it('leaves a hashing slot to sign-ins while registrations queue: new passwords hash one at a time', async () => {
    let mostNew = 0;
    const sample = setInterval(() => {
      mostNew = Math.max(mostNew, passwordHashStats().runningNew);
    }, 1);
    try {
      // Eight registrations at once, each from its own address, and a sign-in behind them.
      const registrations = Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          h
            .caller(undefined, `203.0.113.${200 + i}`)
            .auth.register({ email: `lane${i}@example.com`, password: PASSWORD }),
        ),
      );
      const login = rejection(
        h
          .caller(undefined, '203.0.113.199')
          .auth.login({ email: 'lane-none@example.com', password: PASSWORD }),
      );
      const [registered, refused] = await Promise.all([registrations, login]);
      expect(registered).toHaveLength(8);
      expect(refused.code).toBe('UNAUTHORIZED');
    } finally {
      clearInterval(sample);
    }
    expect(mostNew).toBe(1);
  });

  it('throttles one address spraying many accounts', async () => {
    const ip = '192.0.2.77';
    for (let i = 0; i < 6; i++) {
      const err = await rejection(
        h.caller(undefined, ip).auth.login({ email: `spray${i}@example.com`, password: 'guess-guess' }),
      );
      expect(err.code).toBe('UNAUTHORIZED');
    }
    const blocked = await rejection(
      h.caller(undefined, ip).auth.login({ email: 'spray99@example.com', password: 'guess' }),
    );
    expect(blocked.code).toBe('TOO_MANY_REQUESTS');
    // Another address is unaffected.
    const other = await rejection(
      h.caller(undefined, '192.0.2.78').auth.login({ email: 'spray99@example.com', password: 'guess' }),
    );
    expect(other.code).toBe('UNAUTHORIZED');
  });

  it('counts an IPv6 client by its /64, and an IPv4-mapped address as its IPv4', async () => {
    // Four registrations from four addresses of one /64 fill its limit of 4.
    for (let i = 0; i < 4; i++) {
      await h
        .caller(undefined, `2001:db8:1:2::${i + 1}`)
        .auth.register({ email: `v6-${i}@example.com`, password: PASSWORD });
    }
    const refused = await rejection(
      h
        .caller(undefined, '2001:db8:1:2:ffff::9')
        .auth.register({ email: 'v6-9@example.com', password: PASSWORD }),
    );
    expect(refused.code).toBe('TOO_MANY_REQUESTS');
    await h
      .caller(undefined, '2001:db8:1:3::1')
      .auth.register({ email: 'v6-10@example.com', password: PASSWORD });

    for (let i = 0; i < 4; i++) {
      await h
        .caller(undefined, '::ffff:192.0.2.200')
        .auth.register({ email: `mapped-${i}@example.com`, password: PASSWORD });
    }
    const mapped = await rejection(
      h.caller(undefined, '192.0.2.200').auth.register({ email: 'mapped-9@example.com', password: PASSWORD }),
    );
    expect(mapped.code).toBe('TOO_MANY_REQUESTS');
  });
});
