import { PASSWORD } from '@tenant/router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedApi, serveApi } from './support/served-api';

/**
 * The sign-in edge under attack over HTTP (#12 items 1, 2): batches, bursts of parallel guesses,
 * floods of registrations. What must hold is structural: how many passwords are verified, and
 * that the rest are refused before any hashing. Timings are measured by `pnpm bench`, not here.
 */

let s: ServedApi;

beforeAll(async () => {
  s = await serveApi();
});
afterAll(() => s?.close());

type BatchItem = { result?: unknown; error?: { json: { data: { code: string } } } };

/** One tRPC batch POST (what httpBatchLink sends) of `calls`, as [path, input] pairs. */
async function batch(calls: [string, unknown][]): Promise<{ status: number; items: BatchItem[] }> {
  const res = await fetch(`${s.base}/trpc/${calls.map(([path]) => path).join(',')}?batch=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(Object.fromEntries(calls.map(([, input], i) => [i, { json: input }]))),
  });
  const body = (await res.json()) as BatchItem[] | BatchItem;
  return { status: res.status, items: Array.isArray(body) ? body : [body] };
}

describe('auth mutations travel alone', () => {
  it('refuses a batch carrying auth.login, auth.register or auth.logout with other calls, before running any', async () => {
    const email = 'batched@example.com';
    for (const path of ['auth.login', 'auth.register', 'auth.logout']) {
      const mark = s.logs.length;
      const { status, items } = await batch([
        [path, { email, password: PASSWORD }],
        ['auth.login', { email, password: 'wrong password 1' }],
        ['catalog.skills', undefined],
      ]);
      expect(status).toBe(400);
      expect(items.every((item) => item.error?.json.data.code === 'BAD_REQUEST')).toBe(true);
      expect(s.errorsSince(mark)).toEqual([]);
    }
    // Nothing ran: the registration in the first batch did not happen.
    await expect(s.client().auth.login.mutate({ email, password: PASSWORD })).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
  });

  it('serves one auth call alone, and the typed client sends them unbatched alongside other calls', async () => {
    const anonymous = s.client();
    // Two mutations in one tick: httpBatchLink would put them in one request.
    const [registered, started] = await Promise.all([
      anonymous.auth.register.mutate({ email: 'alone@example.com', password: PASSWORD }),
      anonymous.connect.start
        .mutate({ skillId: '0b9e5a1c-3f2d-4c8e-9a7b-1d2e3f4a5b6c' })
        .catch((err: unknown) => err),
    ]);
    expect(registered.user.email).toBe('alone@example.com');
    expect(started).toMatchObject({ data: { code: 'UNAUTHORIZED' } });
  });
});
