import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createFinqwareClient, type FinqwareClientOptions, FinqwareError } from '../src/index';
import { parseRetryAfter } from '../src/transport';
import { AUTH, type StubReply, type StubRequest, startStub, TEST_KEYS } from './helpers/stub';

const fixtureText = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8');
const txFixture = JSON.parse(fixtureText('transactions'));

let stub: Awaited<ReturnType<typeof startStub>> | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function clientFor(
  handler: (req: StubRequest, index: number) => StubReply | Promise<StubReply>,
  options: Partial<FinqwareClientOptions> = {},
) {
  stub = await startStub(handler);
  const events: { endpoint: string; status: unknown; attempt: number }[] = [];
  const fq = createFinqwareClient({
    baseUrl: stub.url,
    ...TEST_KEYS,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
    onResponse: (e) => events.push({ endpoint: e.endpoint, status: e.status, attempt: e.attempt }),
    ...options,
  });
  return { fq, requests: stub.requests, events };
}

async function failure(promise: Promise<unknown>): Promise<FinqwareError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(FinqwareError);
    return err as FinqwareError;
  }
  throw new Error('expected the call to fail');
}

describe('wire format', () => {
  it('sends snake_case bodies with the documented credentials per endpoint (§2.4)', async () => {
    const { fq, requests } = await clientFor((req) => {
      if (req.path === '/v1/sessions') return { status: 200, text: fixtureText('session-create') };
      if (req.path.endsWith('/steps')) return { status: 200, text: fixtureText('step-generic') };
      if (req.path === '/v1/tokens') return { status: 200, text: fixtureText('token-exchange') };
      return { status: 200, body: [] };
    });
    await fq.sessions.create({ tenantUserId: AUTH.tenantUserId, skill: 'xyz_sbx_#3.0' });
    await fq.sessions.submitStep({
      sessionId: 's-1',
      nonce: 'n-1',
      skill: 'xyz_sbx_#3.0',
      step: 'product_form',
      data: { value: '100000' },
    });
    await fq.tokens.exchange({ tempToken: 't-1' });
    await fq.accounts.list(AUTH);
    expect(requests.map((r) => [r.path, r.headers['content-type'], r.body])).toEqual([
      [
        '/v1/sessions',
        'application/json',
        {
          tenant_user_id: AUTH.tenantUserId,
          client_id: TEST_KEYS.clientId,
          client_app_key: TEST_KEYS.clientAppKey,
          skill: 'xyz_sbx_#3.0',
        },
      ],
      [
        '/v1/sessions/s-1/steps',
        'application/json',
        {
          client_id: TEST_KEYS.clientId,
          nonce: 'n-1',
          skill: 'xyz_sbx_#3.0',
          step: 'product_form',
          data: { value: '100000' },
        },
      ],
      [
        '/v1/tokens',
        'application/json',
        { client_id: TEST_KEYS.clientId, client_secret: TEST_KEYS.clientSecret, temp_token: 't-1' },
      ],
      [
        '/v1/accounts/get',
        'application/json',
        {
          client_id: TEST_KEYS.clientId,
          client_secret: TEST_KEYS.clientSecret,
          credentials_id: AUTH.credentialsId,
          access_token: AUTH.accessToken,
          tenant_user_id: AUTH.tenantUserId,
        },
      ],
    ]);
  });

  it('writes amount filters as exact JSON number tokens and maps every filter to snake_case', async () => {
    const { fq, requests } = await clientFor(() => ({ status: 200, body: [] }));
    await fq.transactions.list(AUTH, {
      accountId: 'acc-1',
      status: 'booked',
      creditDebitIndicator: 'debit',
      category: 'shopping',
      currency: 'RON',
      gte: '12345678901234567890.123456789',
      lt: '0.10',
      bookingDateGt: '2025-05-03T00:00:00Z',
      timestampGte: new Date('2025-05-11T00:00:00Z'),
    });
    const raw = requests[0]!.raw;
    expect(raw).toContain('"gte":12345678901234567890.123456789');
    expect(raw).toContain('"lt":0.10');
    const { gte, ...rest } = requests[0]!.body.filter as Record<string, unknown>;
    expect(typeof gte).toBe('number');
    expect(rest).toEqual({
      account_id: 'acc-1',
      status: 'booked',
      credit_debit_indicator: 'debit',
      category: 'shopping',
      currency: 'RON',
      lt: 0.1,
      booking_date_gt: '2025-05-03T00:00:00Z',
      timestamp_gte: '2025-05-11T00:00:00.000Z',
    });
  });

  it('rejects bad input before sending, naming the field', async () => {
    const { fq, requests } = await clientFor(() => ({ status: 200, body: [] }));
    const err = await failure(fq.transactions.list(AUTH, { gte: '1e5' }));
    expect(err.kind).toBe('client');
    expect(err.message).toContain('filter.gte');
    expect((await failure(fq.transactions.list(AUTH, { bookingDateLt: 'yesterday' }))).message).toContain(
      'filter.bookingDateLt',
    );
    expect((await failure(fq.accounts.list({ ...AUTH, tenantUserId: '' }))).message).toContain(
      'tenantUserId',
    );
    expect((await failure(fq.consents.delete({ ...AUTH, pcdDataRetention: -1 }))).message).toContain(
      'pcdDataRetention',
    );
    expect(requests).toHaveLength(0);
  });

  it('escapes every non-ASCII character as \\uXXXX in the body', async () => {
    const { fq, requests } = await clientFor(() => ({ status: 200, text: fixtureText('step-generic') }));
    await fq.sessions.submitStep({
      sessionId: 's',
      nonce: 'n',
      skill: 'k',
      step: 'f',
      data: { name: 'Ștefan 😀' },
    });
    expect(requests[0]!.raw).toContain('"name":"\\u0218tefan \\ud83d\\ude00"');
    expect(requests[0]!.body.data).toEqual({ name: 'Ștefan 😀' });
  });
});

describe('request signing (§2.5)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyId: 'key-1',
    serviceAccountEmail: 'svc@project.iam.gserviceaccount.com',
  };

  it('sends an RS256 JWT whose digest is the SHA-256 of the exact bytes sent', async () => {
    const { fq, requests } = await clientFor(() => ({ status: 200, body: [] }), { signingKey });
    await fq.transactions.list(AUTH, { accountId: 'Ș', gte: '1.50' });
    const { headers, raw } = requests[0]!;
    const [scheme, jws] = String(headers.authorization).split(' ');
    expect(scheme).toBe('Bearer');
    const [h, p, s] = jws!.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({
      typ: 'JWT',
      alg: 'RS256',
      kid: 'key-1',
    });
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    expect(claims).toMatchObject({
      iss: signingKey.serviceAccountEmail,
      sub: signingKey.serviceAccountEmail,
      email: signingKey.serviceAccountEmail,
      aud: 'api.finqware.com',
      digest: createHash('sha256').update(raw, 'utf8').digest('base64'),
    });
    expect(claims.exp - claims.iat).toBe(300);
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(60);
    expect(verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s!, 'base64url'))).toBe(
      true,
    );
  });

  it('refuses an invalid PEM without echoing it', () => {
    expect(() =>
      createFinqwareClient({
        baseUrl: 'http://x/v1s',
        ...TEST_KEYS,
        signingKey: { ...signingKey, privateKeyPem: 'SECRET-PEM' },
      }),
    ).toThrow(/privateKeyPem is not a valid PEM/);
    try {
      createFinqwareClient({
        baseUrl: 'http://x/v1s',
        ...TEST_KEYS,
        signingKey: { ...signingKey, privateKeyPem: 'SECRET-PEM' },
      });
    } catch (err) {
      expect(String(err)).not.toContain('SECRET-PEM');
    }
  });
});

describe('error kinds', () => {
  const errorReply = (status: number, body: unknown, headers?: Record<string, string>): StubReply => ({
    status,
    body,
    ...(headers ? { headers } : {}),
  });

  it.each([
    [
      'expired consent',
      401,
      { type: 'unauthorized', code: 'expired_credentials', message: 'expired' },
      'consent',
    ],
    [
      'deleted consent',
      401,
      { type: 'unauthorized', code: 'inactive_credentials', message: 'deleted' },
      'consent',
    ],
    [
      'wrong access token',
      401,
      { type: 'unauthorized', code: 'invalid_access_token', message: 'x' },
      'consent',
    ],
    [
      'bank rate limit',
      400,
      { type: 'external_api_error', code: 'external_api_too_many_requests', message: 'x' },
      'rate_limit',
    ],
    [
      'bank connection',
      400,
      { type: 'external_api_error', code: 'external_api_connection_error', message: 'x' },
      'transient',
    ],
    ['maintenance', 500, { type: 'server_error', code: 'planned_maintenance', message: 'x' }, 'transient'],
    ['bad client id', 400, { type: 'invalid_request', code: 'invalid_client_id', message: 'x' }, 'client'],
    ['legacy shape', 400, { message: 'Error message' }, 'client'],
  ])('%s → %s', async (_name, status, body, kind) => {
    const { fq } = await clientFor(() => errorReply(status, { id: 'e-1', http: status, ...body }), {
      retry: false,
    });
    const err = await failure(fq.transactions.list(AUTH));
    expect(err.kind).toBe(kind);
    expect(err.status).toBe(status);
    expect(err.endpoint).toBe('transactions.get');
    expect(err.error).toMatchObject({
      message: body.message,
      ...('code' in body ? { code: body.code, id: 'e-1' } : {}),
    });
  });

  it('a consent code on a call without a consent (e.g. a reused nonce) is a client error', async () => {
    const { fq } = await clientFor(() =>
      errorReply(401, { type: 'unauthorized', code: 'invalid_access_token', message: 'nonce used' }),
    );
    expect(
      (await failure(fq.sessions.submitStep({ sessionId: 's', nonce: 'n', skill: 'k', step: 'f', data: {} })))
        .kind,
    ).toBe('client');
  });

  it('a 429 is rate_limit with retryAfterMs from the header (seconds or HTTP date)', async () => {
    const { fq } = await clientFor(() => errorReply(429, { message: 'slow down' }, { 'retry-after': '120' }));
    const err = await failure(fq.accounts.list(AUTH));
    expect(err).toMatchObject({ kind: 'rate_limit', retryAfterMs: 120_000 });
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:30 GMT')),
    ).toBe(30_000);
    expect(parseRetryAfter('garbage')).toBeUndefined();
  });

  it('a well-formed body that breaks the schema is protocol and is not retried', async () => {
    const { fq, requests } = await clientFor(() => ({ status: 200, body: [{ id: 'only-an-id' }] }));
    const err = await failure(fq.transactions.list(AUTH));
    expect(err.kind).toBe('protocol');
    expect(err.message).toContain('0.account_id');
    expect(requests).toHaveLength(1);
  });

  it('nothing secret appears in message, toJSON or String() even when the server echoes it', async () => {
    const echo = `bad access_token ${AUTH.accessToken} for secret ${TEST_KEYS.clientSecret}`;
    const { fq } = await clientFor(() =>
      errorReply(401, { type: 'unauthorized', code: 'invalid_access_token', message: echo }),
    );
    const err = await failure(fq.accounts.list(AUTH));
    for (const text of [err.message, JSON.stringify(err), String(err), err.stack ?? '']) {
      expect(text).not.toContain(AUTH.accessToken);
      expect(text).not.toContain(TEST_KEYS.clientSecret);
      expect(text).not.toContain(TEST_KEYS.clientAppKey);
    }
    expect(err.error?.message).toContain('[redacted]');
  });
});

describe('retries and timeouts', () => {
  it('a read is retried on 5xx and succeeds', async () => {
    const { fq, events } = await clientFor((_req, i) =>
      i < 2 ? { status: 503, text: '<html>busy</html>' } : { status: 200, text: fixtureText('transactions') },
    );
    const txs = await fq.transactions.list(AUTH);
    expect(txs).toHaveLength(1);
    expect(events.map((e) => [e.status, e.attempt])).toEqual([
      [503, 1],
      [503, 2],
      [200, 3],
    ]);
  });

  it('gives up after `retries` extra attempts with the last error', async () => {
    const { fq, requests } = await clientFor(() => ({
      status: 500,
      body: { type: 'server_error', code: 'internal_server_error', message: 'x' },
    }));
    const err = await failure(fq.balances.list(AUTH));
    expect(err.kind).toBe('transient');
    expect(requests).toHaveLength(3);
  });

  it('retry: false makes exactly one attempt', async () => {
    const { fq, requests } = await clientFor(() => ({ status: 503, body: { message: 'x' } }), {
      retry: false,
    });
    await failure(fq.accounts.list(AUTH));
    expect(requests).toHaveLength(1);
  });

  it('a 429 with a short Retry-After is waited and retried; a long one is thrown at once', async () => {
    const short = await clientFor((_r, i) =>
      i === 0
        ? { status: 429, body: { message: 'x' }, headers: { 'retry-after': '0' } }
        : { status: 200, body: [] },
    );
    expect(await short.fq.accounts.list(AUTH)).toEqual([]);
    await stub!.close();
    const long = await clientFor(() => ({
      status: 429,
      body: { message: 'x' },
      headers: { 'retry-after': '3600' },
    }));
    const err = await failure(long.fq.accounts.list(AUTH));
    expect(err).toMatchObject({ kind: 'rate_limit', retryAfterMs: 3_600_000 });
    expect(long.requests).toHaveLength(1);
  });

  it('sessions.create, submitStep and tokens.exchange are not retried once the request was sent', async () => {
    const { fq, requests } = await clientFor(() => ({ status: 503, body: { message: 'x' } }));
    await failure(fq.sessions.create({ tenantUserId: 'u', skill: 'k' }));
    await failure(fq.sessions.submitStep({ sessionId: 's', nonce: 'n', skill: 'k', step: 'f', data: {} }));
    await failure(fq.tokens.exchange({ tempToken: 't' }));
    expect(requests).toHaveLength(3);
  });

  it('a write is retried when the connection was refused (the request never reached the server)', async () => {
    let calls = 0;
    const refusedOnce: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) {
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        });
      }
      return fetch(input, init);
    };
    const { fq, requests } = await clientFor(() => ({ status: 200, text: fixtureText('session-create') }), {
      fetch: refusedOnce,
    });
    expect((await fq.sessions.create({ tenantUserId: 'u', skill: 'k' })).sessionId).toBe(
      '58f92378-…-20a052aca460',
    );
    expect(calls).toBe(2);
    expect(requests).toHaveLength(1);
  });

  it('a connection reset after sending is not retried for a write', async () => {
    const reset: typeof fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      });
    };
    const { fq } = await clientFor(() => ({ status: 200, body: {} }), {
      fetch: reset,
      retry: { retries: 5, baseDelayMs: 1 },
    });
    let attempts = 0;
    const counting: typeof fetch = async (i, init) => {
      attempts++;
      return reset(i, init);
    };
    const fq2 = createFinqwareClient({
      baseUrl: stub!.url,
      ...TEST_KEYS,
      fetch: counting,
      retry: { retries: 5, baseDelayMs: 1 },
    });
    const err = await failure(fq2.tokens.exchange({ tempToken: 't' }));
    expect(err.kind).toBe('transient');
    expect(err.message).toContain('ECONNRESET');
    expect(attempts).toBe(1);
    expect((await failure(fq.accounts.list(AUTH))).kind).toBe('transient');
  });

  it('a server that never answers times out per attempt, and reads are retried', async () => {
    const { fq, events } = await clientFor((_r, i) => (i === 0 ? 'hang' : { status: 200, body: [] }), {
      timeoutMs: 200,
    });
    expect(await fq.accounts.list(AUTH)).toEqual([]);
    expect(events.map((e) => e.status)).toEqual(['timeout', 200]);
  });

  it('a body that stalls mid-way times out too', async () => {
    const { fq, events } = await clientFor(() => 'stall-body', { timeoutMs: 200, retry: false });
    const err = await failure(fq.transactions.list(AUTH));
    expect(err.kind).toBe('transient');
    expect(events.map((e) => e.status)).toEqual(['timeout']);
  });

  it('a truncated 200 body is retried for a read (transient) but not for a write (protocol)', async () => {
    const truncated = fixtureText('transactions').slice(0, 40);
    const read = await clientFor((_r, i) =>
      i === 0 ? { status: 200, text: truncated } : { status: 200, text: fixtureText('transactions') },
    );
    expect(await read.fq.transactions.list(AUTH)).toHaveLength(1);
    await stub!.close();
    const write = await clientFor(() => ({ status: 200, text: '{"nonce":"MDAx' }));
    const err = await failure(write.fq.sessions.create({ tenantUserId: 'u', skill: 'k' }));
    expect(err.kind).toBe('protocol');
    expect(write.requests).toHaveLength(1);
  });

  it('consents.delete is idempotent and therefore retried', async () => {
    const { fq, requests } = await clientFor((_r, i) =>
      i === 0 ? { status: 502, text: 'bad gateway' } : { status: 200, text: fixtureText('consent-delete') },
    );
    expect(await fq.consents.delete({ ...AUTH, pcdDataRetention: 0 })).toMatchObject({
      credentialsId: 'b6e01945-…',
    });
    expect(requests).toHaveLength(2);
    expect(requests[1]!.body.pcd_data_retention).toBe(0);
  });

  it('an aborted signal stops the call and its retries', async () => {
    const { fq, requests } = await clientFor(() => 'hang', { timeoutMs: 10_000 });
    const controller = new AbortController();
    const pending = fq.accounts.list(AUTH, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    await expect(pending).rejects.toThrow('shutting down');
    expect(requests).toHaveLength(1);
  });
});

describe('other endpoints', () => {
  it('payments.get accepts the payment bare or wrapped in result', async () => {
    const { fq } = await clientFor((_r, i) =>
      i === 0
        ? { status: 200, body: { payment_id: 'p-1', status: 'ACSP', extra: 1 } }
        : { status: 200, body: { result: { payment_id: 'p-2', status: 'RJCT' } } },
    );
    expect(await fq.payments.get(AUTH)).toMatchObject({ paymentId: 'p-1', status: 'ACSP' });
    expect(await fq.payments.get(AUTH)).toMatchObject({ paymentId: 'p-2', status: 'RJCT' });
  });

  it('catalog.get parses the catalog.json shape', async () => {
    const catalog = readFileSync(new URL('../../finqware-sandbox/catalog.json', import.meta.url), 'utf8');
    const { fq, requests } = await clientFor(() => ({ status: 200, text: catalog }));
    const result = await fq.catalog.get();
    expect(result.skills.length).toBeGreaterThan(0);
    expect(result.skills.find((s) => s.code === 'bt_ro_aisp_sbx_#2.0')?.flow.map((f) => f.step)).toEqual([
      'credentials',
      'otp',
    ]);
    expect(requests[0]!.body).toEqual({
      client_id: TEST_KEYS.clientId,
      client_secret: TEST_KEYS.clientSecret,
    });
  });

  it('transactions and balances keep decimal strings untouched', async () => {
    const { fq } = await clientFor(() => ({
      status: 200,
      body: [{ ...txFixture[0], data: { ...txFixture[0].data, amount: '0.10' } }],
    }));
    expect((await fq.transactions.list(AUTH))[0]?.amount).toBe('0.10');
  });
});
