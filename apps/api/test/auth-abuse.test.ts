import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tenant/domain';
import { passwordHashStats } from '@tenant/router';
import { PASSWORD } from '@tenant/router/testing';
import { ManagedProcess } from '@tenant/spawn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedApi, serveApi } from './support/served-api';

/**
 * The sign-in edge under attack over HTTP (#12 items 1, 2): batches, bursts of parallel guesses,
 * floods of registrations. What must hold is structural: how many passwords are verified, and
 * that the rest are refused before any hashing. Timings are measured by `pnpm bench`, not here.
 */

/** The limits under test: small enough to reach, the per-address login limit out of the way. */
const MAX_FAILURES = 5;
const MAX_REGISTRATIONS = 10;

let s: ServedApi;

beforeAll(async () => {
  s = await serveApi({
    config: {
      authLimits: {
        loginFailuresPerEmail: { max: MAX_FAILURES, windowSeconds: 900 },
        loginsPerAddress: { max: 1_000, windowSeconds: 900 },
        registrationsPerAddress: { max: MAX_REGISTRATIONS, windowSeconds: 3600 },
      },
    },
  });
});
afterAll(() => s?.close());

type Answer = { status: number; body: string };

/**
 * One tRPC mutation alone, as the client sends auth calls, from a loopback address of our choosing
 * (the whole of 127.0.0.0/8 is this machine): the api sees that address as the socket's peer.
 */
function mutate(
  base: string,
  path: string,
  input: unknown,
  from: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/trpc/${path}`,
      { method: 'POST', localAddress: from, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.once('error', reject);
    req.end(JSON.stringify({ json: input }));
  });
}

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

/** 19 wrong passwords and the right one for `email`, all at once, spread over `bases`. */
function guessBurst(bases: string[], email: string, from: string): Promise<Answer[]> {
  return Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      mutate(
        bases[i % bases.length] as string,
        'auth.login',
        { email, password: i === 13 ? PASSWORD : `wrong password ${i}` },
        from,
      ),
    ),
  );
}

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

describe('the sign-in limits hold under parallel attack', () => {
  it('verifies at most AUTH_LOGIN_MAX_FAILURES wrong passwords of 20 parallel guesses; the rest are 429 before hashing', async () => {
    const email = 'burst@example.com';
    expect((await mutate(s.base, 'auth.register', { email, password: PASSWORD }, '127.0.0.2')).status).toBe(
      200,
    );
    const before = passwordHashStats().started;

    const answers = await guessBurst([s.base], email, '127.0.0.2');

    const wrong = count(answers, 401);
    const right = count(answers, 200);
    expect(wrong).toBeGreaterThan(0);
    expect(wrong).toBeLessThanOrEqual(MAX_FAILURES);
    expect(right).toBeLessThanOrEqual(1);
    expect(count(answers, 429)).toBe(20 - wrong - right);
    // Only the answered ones were hashed.
    expect(passwordHashStats().started - before).toBe(wrong + right);
    // The window is full now: even the right password waits, and hashes nothing.
    const after = passwordHashStats().started;
    if (wrong === MAX_FAILURES) {
      const late = await mutate(s.base, 'auth.login', { email, password: PASSWORD }, '127.0.0.2');
      expect(late.status).toBe(429);
      expect(JSON.parse(late.body).error.json.data.retryAfterSeconds).toBeGreaterThan(0);
      expect(passwordHashStats().started).toBe(after);
    }

    // One request carrying 50 guesses is refused whole, and hashes nothing.
    const batch = await fetch(`${s.base}/trpc/${Array(50).fill('auth.login').join(',')}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        Object.fromEntries(
          Array.from({ length: 50 }, (_, i) => [i, { json: { email, password: `guess ${i}` } }]),
        ),
      ),
    });
    expect(batch.status).toBe(400);
    expect(passwordHashStats().started).toBe(after);
  });

  describe('across two api instances sharing the database', () => {
    let second: ManagedProcess | undefined;
    let secondBase = '';

    beforeAll(async () => {
      const started = await startApi(s, {
        AUTH_LOGIN_MAX_FAILURES: String(MAX_FAILURES),
        AUTH_LOGIN_MAX_PER_ADDRESS: '1000',
        API_TRUSTED_PROXIES: '127.0.0.1',
      });
      second = started.process;
      secondBase = started.base;
    }, 60_000);
    afterAll(() => second?.stop());

    it('verifies at most AUTH_LOGIN_MAX_FAILURES wrong passwords of a burst spread over both', async () => {
      const email = 'two-instances@example.com';
      expect((await mutate(s.base, 'auth.register', { email, password: PASSWORD }, '127.0.0.3')).status).toBe(
        200,
      );

      const answers = await guessBurst([s.base, secondBase], email, '127.0.0.3');

      const wrong = count(answers, 401);
      expect(wrong).toBeGreaterThan(0);
      expect(wrong).toBeLessThanOrEqual(MAX_FAILURES);
      expect(count(answers, 200)).toBeLessThanOrEqual(1);
      expect(count(answers, 429)).toBe(20 - wrong - count(answers, 200));
    });

    it('counts per the address X-Forwarded-For names only behind a trusted proxy', async () => {
      // The second instance trusts 127.0.0.1 as its proxy: each forwarded client has its own budget.
      const register = (base: string, i: number, from: string, forwarded: string) =>
        mutate(
          base,
          'auth.register',
          { email: `forwarded${i}-${from}@example.com`, password: PASSWORD },
          from,
          {
            'x-forwarded-for': forwarded,
          },
        );
      const behindProxy = await Promise.all(
        Array.from({ length: 12 }, (_, i) => register(secondBase, i, '127.0.0.1', `198.51.100.${i}`)),
      );
      expect(count(behindProxy, 200)).toBe(12);
      // The first trusts no proxy: the same header from one peer is that peer's budget, ignored.
      const direct = await Promise.all(
        Array.from({ length: 12 }, (_, i) => register(s.base, i, '127.0.0.6', `198.51.100.${i}`)),
      );
      expect(count(direct, 200)).toBe(MAX_REGISTRATIONS);
      expect(count(direct, 429)).toBe(12 - MAX_REGISTRATIONS);
    });
  });

  it('processes at most AUTH_REGISTER_MAX_PER_ADDRESS of 80 parallel registrations from one address, hashing no other; another address signs in meanwhile', async () => {
    const other = { email: 'bystander@example.com', password: PASSWORD };
    expect((await mutate(s.base, 'auth.register', other, '127.0.0.4')).status).toBe(200);
    const before = passwordHashStats().started;

    const [flood, bystander] = await Promise.all([
      Promise.all(
        Array.from({ length: 80 }, (_, i) =>
          // A made-up X-Forwarded-For each: without a trusted proxy it changes nothing.
          mutate(
            s.base,
            'auth.register',
            { email: `flood${i}@example.com`, password: PASSWORD },
            '127.0.0.5',
            {
              'x-forwarded-for': `203.0.113.${i}`,
            },
          ),
        ),
      ),
      mutate(s.base, 'auth.login', other, '127.0.0.4'),
    ]);

    expect(bystander.status).toBe(200);
    expect(count(flood, 200)).toBe(MAX_REGISTRATIONS);
    expect(count(flood, 429)).toBe(80 - MAX_REGISTRATIONS);
    // The registrations processed and the bystander's sign-in: nothing else was hashed.
    expect(passwordHashStats().started - before).toBe(MAX_REGISTRATIONS + 1);
    expect(s.errorsSince(0)).toEqual([]);
  });

  it('counts a registration of a taken e-mail like any other, at the cost of a hash, and refuses it alike once over the limit', async () => {
    const taken = 'taken@example.com';
    expect(
      (await mutate(s.base, 'auth.register', { email: taken, password: PASSWORD }, '127.0.0.8')).status,
    ).toBe(200);
    const from = '127.0.0.7';
    const before = passwordHashStats().started;

    // Taken and free e-mails alternately, all at once.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        mutate(
          s.base,
          'auth.register',
          { email: i % 2 ? taken : `free${i}@example.com`, password: PASSWORD },
          from,
        ),
      ),
    );
    const processed = count(answers, 200) + count(answers, 409);
    expect(processed).toBe(MAX_REGISTRATIONS);
    expect(count(answers, 429)).toBe(20 - MAX_REGISTRATIONS);
    // A taken e-mail cost a hash like a free one: answering it sooner would tell it apart.
    expect(passwordHashStats().started - before).toBe(MAX_REGISTRATIONS);

    // Over the limit, a taken e-mail and a free one get the same answer.
    const refusedTaken = await mutate(s.base, 'auth.register', { email: taken, password: PASSWORD }, from);
    const refusedFree = await mutate(
      s.base,
      'auth.register',
      { email: 'free99@example.com', password: PASSWORD },
      from,
    );
    expect(refusedTaken.status).toBe(429);
    const sameSecond = (body: string) => body.replace(/\d+/g, 'N');
    expect(sameSecond(refusedTaken.body)).toBe(sameSecond(refusedFree.body));
    expect(refusedFree.status).toBe(429);
  });
});

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** A second api process on the served api's database and sandbox, as another instance of a deployment. */
async function startApi(served: ServedApi, env: Record<string, string>) {
  const sandbox = served.h.sandbox;
  if (!sandbox) throw new Error('the served api has no sandbox');
  const port = await freePort();
  const process_ = new ManagedProcess({
    name: 'api-2',
    entry: MAIN,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: served.h.db.url,
      FINQWARE_BASE_URL: sandbox.apiUrl,
      API_PORT: String(port),
      ADMIN_PORT: '0',
      ...env,
    },
  });
  process_.start();
  await process_.waitForLine((line) => line.includes('api listening'));
  return { process: process_, base: `http://127.0.0.1:${port}` };
}
