import { PASSWORD } from '@tenant/router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryInput, rawRequest, type ServedApi, serveApi } from './support/served-api';

/**
 * Crafted input over HTTP (#12 item 5): what an anonymous or signed-in attacker can put in a URL,
 * a method or a body gets a 400 (405 for a method we do not serve), never a 500, and the api logs
 * nothing above WARN for it: a PostgreSQL error or a stack in the log is a bug an attacker can
 * trigger at will.
 */

let s: ServedApi;
let token: string;

beforeAll(async () => {
  s = await serveApi({ corsOrigins: ['http://app.example.test'] });
  ({ token } = await s.client().auth.register.mutate({ email: 'crafty@example.com', password: PASSWORD }));
});
afterAll(() => s?.close());

const auth = () => ({ authorization: `Bearer ${token}` });
/** A transactions cursor carrying `date` (the api issues base64url JSON of [date, id]). */
const cursorAt = (date: string) =>
  Buffer.from(JSON.stringify([date, '0b9e5a1c-3f2d-4c8e-9a7b-1d2e3f4a5b6c'])).toString('base64url');

type ErrorBody = {
  error: { json: { message: string; data: { code: string; issues?: { path: string }[] } } };
};

/** Each crafted transactions.list input and the field its 400 must name. */
const CRAFTED: [string, Record<string, unknown>, string][] = [
  ['a NUL byte in search', { search: 'rent\u0000' }, 'search'],
  ['a lone high surrogate in search', { search: 'rent\uD800' }, 'search'],
  ['a lone low surrogate in search', { search: '\uDC00rent' }, 'search'],
  ['a cursor on February 30th', { cursor: cursorAt('2024-02-30T00:00:00.000000Z') }, 'cursor'],
  ['a cursor in year 0', { cursor: cursorAt('0000-01-01T00:00:00.000000Z') }, 'cursor'],
  ['a cursor at 24:00', { cursor: cursorAt('2024-01-01T24:00:00.000000Z') }, 'cursor'],
  ['a cursor on April 31st', { cursor: cursorAt('2025-04-31T12:00:00.000000Z') }, 'cursor'],
  ['a NUL byte in a cursor', { cursor: 'abc\u0000' }, 'cursor'],
  ['a date in year 0', { from: '0000-06-01T00:00:00Z' }, 'from'],
  ['February 30th', { to: '2024-02-30' }, 'to'],
];

describe('crafted input', () => {
  it.each(CRAFTED)(
    '%s is a 400 naming the field, with nothing above WARN logged',
    async (_what, input, field) => {
      const mark = s.logs.length;
      const res = await fetch(`${s.base}/trpc/transactions.list?input=${queryInput(input)}`, {
        headers: auth(),
      });
      const body = (await res.json()) as ErrorBody;
      expect(res.status).toBe(400);
      expect(body.error.json.data.issues?.map((issue) => issue.path)).toContain(field);
      expect(s.errorsSince(mark)).toEqual([]);
    },
  );

  it('gives each crafted call of one batch its own 400, and of parallel requests too', async () => {
    const mark = s.logs.length;
    const paths = CRAFTED.map(() => 'transactions.list').join(',');
    const inputs = Object.fromEntries(CRAFTED.map(([, input], i) => [i, { json: input }]));
    const batch = await fetch(
      `${s.base}/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`,
      { headers: auth() },
    );
    const items = (await batch.json()) as ErrorBody[];
    expect(items.map((item) => item.error?.json.data.code)).toEqual(CRAFTED.map(() => 'BAD_REQUEST'));

    const parallel = await Promise.all(
      CRAFTED.map(([, input]) =>
        fetch(`${s.base}/trpc/transactions.list?input=${queryInput(input)}`, { headers: auth() }).then(
          (res) => res.status,
        ),
      ),
    );
    expect(parallel).toEqual(CRAFTED.map(() => 400));
    expect(s.errorsSince(mark)).toEqual([]);
  });

  it('refuses NUL bytes and lone surrogates in passwords and bank form values', async () => {
    const mark = s.logs.length;
    const anonymous = s.client();
    for (const password of ['a long password\u0000', 'a long password\uD83D']) {
      await expect(
        anonymous.auth.register.mutate({ email: 'nul@example.com', password }),
      ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
      await expect(
        anonymous.auth.login.mutate({ email: 'crafty@example.com', password }),
      ).rejects.toMatchObject({
        data: { code: 'BAD_REQUEST' },
      });
    }
    const me = s.client(token);
    const skill = (await me.catalog.skills.query())[0];
    const session = '0b9e5a1c-3f2d-4c8e-9a7b-1d2e3f4a5b6c';
    await expect(
      me.connect.submit.mutate({
        sessionId: session,
        stepId: skill?.id ?? session,
        values: { 'user\u0000': 'x' },
      }),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    expect(s.errorsSince(mark)).toEqual([]);
  });

  it.each(['TRACE', 'PUT', 'DELETE', 'PATCH', 'PROPFIND'])(
    'answers %s with 405 and the methods it serves, on tRPC and elsewhere',
    async (method) => {
      const mark = s.logs.length;
      const trpc = await rawRequest(`${s.base}/trpc/auth.me`, { method, headers: auth() });
      expect(trpc.status).toBe(405);
      expect(trpc.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
      const health = await rawRequest(`${s.base}/healthz`, { method });
      expect(health.status).toBe(405);
      expect(health.headers.allow).toBe('GET, HEAD');
      expect(s.errorsSince(mark)).toEqual([]);
    },
  );

  it.each([
    ['an unknown class', { json: { from: 'x' }, meta: { values: { from: [['class', 'Evil']] } } }],
    ['a custom type', { json: { from: 'x' }, meta: { values: { from: ['custom', 'evil'] } } }],
    ['a bigint that is not a number', { json: { from: 'Evil' }, meta: { values: { from: ['bigint'] } } }],
    ['an unknown symbol', { json: { from: 'x' }, meta: { values: { from: [['symbol', 'Evil']] } } }],
    ['a prototype path', { json: {}, meta: { values: { '__proto__.polluted': ['Date'] } } }],
  ])('gives a generic 400 for superjson meta with %s, without the library’s text', async (_what, input) => {
    const mark = s.logs.length;
    const res = await fetch(
      `${s.base}/trpc/transactions.list?input=${encodeURIComponent(JSON.stringify(input))}`,
      { headers: auth() },
    );
    const text = await res.text();
    expect(res.status).toBe(400);
    const body = JSON.parse(text) as ErrorBody;
    expect(body.error.json.message).toBe(
      'Malformed input: send JSON in the superjson format the client writes',
    );
    expect(text).not.toMatch(/superjson\/|github|deserialize|call stack|Evil/i);
    expect(s.errorsSince(mark)).toEqual([]);
  });

  it('gives a generic 400 for input that is not JSON, without echoing it', async () => {
    const res = await fetch(
      `${s.base}/trpc/transactions.list?input=${encodeURIComponent('{"json":<script>')}`,
      {
        headers: auth(),
      },
    );
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).not.toContain('script');
    const post = await fetch(`${s.base}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"json": {"email": <script>',
    });
    expect(post.status).toBe(400);
    expect(await post.text()).not.toContain('script');
  });

  it.each([
    ['36 dashes', '-'.repeat(36)],
    ['36 zeros', '0'.repeat(36)],
    ['SQL', "' or 1=1 --"],
    ['an upper-case uuid of nothing', '0B9E5A1C-3F2D-4C8E-9A7B-1D2E3F4A5B6C'],
    ['a uuid of nothing', '0b9e5a1c-3f2d-4c8e-9a7b-1d2e3f4a5b6c'],
  ])('sends a callback for %s back as unknown_session, with no SQL in the log', async (_what, session) => {
    const mark = s.logs.length;
    const res = await fetch(
      `${s.base}/connect/callback?session=${encodeURIComponent(session)}&temp_token=MDAxforged`,
      { redirect: 'manual' },
    );
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location') ?? '').searchParams.get('reason')).toBe('unknown_session');
    expect(s.errorsSince(mark)).toEqual([]);
    expect(JSON.stringify(s.logs.slice(mark))).not.toMatch(/uuid|syntax|select/i);
  });
});

describe('response headers', () => {
  const origin = 'http://app.example.test';

  it('marks every tRPC answer no-store, with one Vary naming Origin and tRPC’s accept headers', async () => {
    const headers = { ...auth(), origin };
    const answers = await Promise.all([
      // A single query, a batch, a mutation, an error, and an anonymous login's token.
      fetch(`${s.base}/trpc/auth.me`, { headers }),
      fetch(`${s.base}/trpc/auth.me,catalog.skills?batch=1&input={}`, { headers }),
      fetch(`${s.base}/trpc/consents.list`, { headers: { origin } }),
      fetch(`${s.base}/trpc/auth.login`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ json: { email: 'crafty@example.com', password: PASSWORD } }),
      }),
    ]);
    expect(answers.map((res) => res.status)).toEqual([200, 200, 401, 200]);
    for (const res of answers) {
      expect(res.headers.get('cache-control')).toBe('no-store');
      const vary = (res.headers.get('vary') ?? '').split(',').map((name) => name.trim().toLowerCase());
      expect(vary).toEqual(expect.arrayContaining(['origin', 'trpc-accept', 'accept']));
      expect(new Set(vary).size).toBe(vary.length);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    }
  });
});
