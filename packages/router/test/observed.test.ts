import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../src/testing/harness';
import { sql } from '../src/testing/sql';
import { rejection } from './rejection';

/** What ops read per call (metrics through `observe`, 'procedure failed' lines), authed or not. */
let h: Harness;
let user: Awaited<ReturnType<Harness['signUp']>>;

beforeAll(async () => {
  h = await createHarness();
  user = await h.signUp();
});
afterAll(() => h?.close());

const failures = () => h.logs.filter((line) => line.msg === 'procedure failed');

describe('observed calls', () => {
  it('reports every call with its path, type and outcome, refused ones included', async () => {
    h.observations.length = 0;
    await user.api.transactions.list({ limit: 10 });
    expect((await rejection(h.caller().transactions.list({ limit: 10 }))).code).toBe('UNAUTHORIZED');
    expect((await rejection(h.caller('x'.repeat(43)).accounts.list())).code).toBe('UNAUTHORIZED');
    expect((await rejection(user.api.transactions.list({ limit: 0 }))).code).toBe('BAD_REQUEST');
    const wrong = { email: user.user.email, password: 'not-the-password-42' };
    const refused = await rejection(h.caller().auth.login(wrong));
    expect(h.observations.map(({ path, type, code }) => ({ path, type, code }))).toEqual([
      { path: 'transactions.list', type: 'query', code: 'OK' },
      { path: 'transactions.list', type: 'query', code: 'UNAUTHORIZED' },
      { path: 'accounts.list', type: 'query', code: 'UNAUTHORIZED' },
      { path: 'transactions.list', type: 'query', code: 'BAD_REQUEST' },
      { path: 'auth.login', type: 'mutation', code: refused.code },
    ]);
    for (const o of h.observations) expect(o.durationMs).toBeGreaterThanOrEqual(0);
    expect(failures()).toEqual([]);
  });

  it('reports and logs a failure of the authentication itself as an internal error', async () => {
    h.observations.length = 0;
    await sql(h.em()).run('alter table auth_tokens rename to auth_tokens_gone');
    try {
      expect((await rejection(user.api.transactions.list({ limit: 10 }))).code).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await sql(h.em()).run('alter table auth_tokens_gone rename to auth_tokens');
    }
    expect(h.observations.map(({ path, code }) => ({ path, code }))).toEqual([
      { path: 'transactions.list', code: 'INTERNAL_SERVER_ERROR' },
    ]);
    expect(failures()).toHaveLength(1);
    expect(failures()[0]?.obj).toMatchObject({
      path: 'transactions.list',
      err: { message: expect.any(String) },
    });
  });
});
