import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../src/index';
import { APP, expectError, post } from './helpers';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const EMAIL = 'tenant@my-project.iam.gserviceaccount.com';

function jwt(
  body: string,
  opts: { key?: typeof privateKey; aud?: string; exp?: number; digest?: string; kid?: string } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'RS256', kid: opts.kid ?? 'key-1' };
  const payload = {
    iat: now,
    exp: opts.exp ?? now + 60,
    iss: EMAIL,
    aud: opts.aud ?? 'api.finqware.com',
    sub: EMAIL,
    email: EMAIL,
    digest: opts.digest ?? createHash('sha256').update(body).digest('base64'),
  };
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc(header)}.${enc(payload)}`;
  const signature = sign('RSA-SHA256', Buffer.from(input), opts.key ?? privateKey).toString('base64url');
  return `Bearer ${input}.${signature}`;
}

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({
    signing: {
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      keyId: 'key-1',
      serviceAccountEmail: EMAIL,
    },
  });
});
afterAll(() => sb.close());

const body = JSON.stringify({ client_id: APP.clientId, client_secret: APP.clientSecret });

describe('/v1s signing', () => {
  it('accepts a correctly signed request', async () => {
    const r = await post(sb.signedApiUrl, '/catalogs/get', body, { authorization: jwt(body) });
    expect(r.status).toBe(200);
    expect(r.body.skills.length).toBeGreaterThan(0);
  });

  it('rejects a wrong signature, key id, audience, expiry and digest', async () => {
    expectError(
      await post(sb.signedApiUrl, '/catalogs/get', body, {
        authorization: jwt(body, { key: other.privateKey }),
      }),
      401,
      'invalid_api_keys',
    );
    expectError(
      await post(sb.signedApiUrl, '/catalogs/get', body, { authorization: jwt(body, { kid: 'other' }) }),
      401,
      'invalid_api_keys',
    );
    expectError(
      await post(sb.signedApiUrl, '/catalogs/get', body, {
        authorization: jwt(body, { aud: 'example.com' }),
      }),
      401,
      'invalid_api_keys',
    );
    expectError(
      await post(sb.signedApiUrl, '/catalogs/get', body, {
        authorization: jwt(body, { exp: Math.floor(Date.now() / 1000) - 600 }),
      }),
      401,
      'invalid_api_keys',
    );
    // Same JSON, different bytes (whitespace): the digest is over the raw body.
    const spaced = body.replace(',', ', ');
    const r = await post(sb.signedApiUrl, '/catalogs/get', spaced, { authorization: jwt(body) });
    expectError(r, 401, 'invalid_api_keys');
    expect(r.body.message).toMatch(/digest/);
  });

  it('requires the Authorization header on /v1s but not on /v1', async () => {
    expectError(await post(sb.signedApiUrl, '/catalogs/get', body), 400, 'invalid_headers');
    expectError(
      await post(sb.signedApiUrl, '/catalogs/get', body, { authorization: 'Bearer nope' }),
      400,
      'invalid_headers',
    );
    expect((await post(sb.apiUrl, '/catalogs/get', body)).status).toBe(200);
  });

  it('hashes the exact bytes, including \\u-escaped non-ASCII text', async () => {
    const withName = JSON.stringify({ client_id: APP.clientId, client_secret: APP.clientSecret }).replace(
      /}$/,
      ',"note":"\\u0218tefan"}',
    );
    const lenient = await startSandbox({
      strictUnknownFields: false,
      signing: { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    try {
      expect(
        (await post(lenient.signedApiUrl, '/catalogs/get', withName, { authorization: jwt(withName) }))
          .status,
      ).toBe(200);
    } finally {
      await lenient.close();
    }
  });

  it('rejects every /v1s call when no key is registered', async () => {
    const plain = await startSandbox();
    try {
      expectError(
        await post(plain.signedApiUrl, '/catalogs/get', body, { authorization: jwt(body) }),
        401,
        'invalid_api_keys',
      );
    } finally {
      await plain.close();
    }
  });
});
