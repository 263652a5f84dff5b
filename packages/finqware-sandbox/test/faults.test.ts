import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../src/index';
import { APP, dataAuth, get, mint, post } from './helpers';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({
    seed: 'faults',
    clock: { now: '2025-06-01T12:00:00Z' },
    history: { transactionsPerAccount: 300 },
  });
});
afterAll(() => sb.close());

const catalogBody = JSON.stringify({ client_id: APP.clientId, client_secret: APP.clientSecret });

/** Raw request that reports what arrived, even when the connection dies midway. */
function raw(
  path: string,
  body: string,
): Promise<{ status: number; headers: Record<string, unknown>; text: string; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${sb.url}${path}`);
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, aborted: false }));
      res.on('aborted', () =>
        resolve({ status: res.statusCode!, headers: res.headers, text, aborted: true }),
      );
      res.on('error', () => resolve({ status: res.statusCode!, headers: res.headers, text, aborted: true }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function only(kind: string, extra: Record<string, unknown> = {}) {
  const r = await post(sb.url, '/_sandbox/faults', { rate: 1, kinds: [kind], ...extra });
  expect(r.status).toBe(200);
}

describe('faults', () => {
  it('500 and 503 answer the error object', async () => {
    await only('500');
    const a = await raw('/v1/catalogs/get', catalogBody);
    expect(a.status).toBe(500);
    expect(JSON.parse(a.text)).toMatchObject({
      type: 'server_error',
      code: 'internal_server_error',
      http: 500,
    });
    await only('503');
    const b = await raw('/v1/catalogs/get', catalogBody);
    expect(JSON.parse(b.text)).toMatchObject({ code: 'planned_maintenance', http: 503 });
  });

  it('502 answers a non-JSON gateway page', async () => {
    await only('502');
    const r = await raw('/v1/catalogs/get', catalogBody);
    expect(r.status).toBe(502);
    expect(r.headers['content-type']).toBe('text/html');
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it('429 carries Retry-After', async () => {
    await only('429', { retryAfterSeconds: 7 });
    const r = await raw('/v1/catalogs/get', catalogBody);
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('7');
    expect(JSON.parse(r.text).code).toBe('external_api_too_many_requests');
  });

  it('malformed answers 200 with a body that is not JSON', async () => {
    await only('malformed');
    const r = await raw('/v1/catalogs/get', catalogBody);
    expect(r.status).toBe(200);
    expect(r.aborted).toBe(false);
    expect(() => JSON.parse(r.text)).toThrow();
  });

  it('truncated cuts the connection halfway through the body', async () => {
    await only('truncated');
    const r = await raw('/v1/catalogs/get', catalogBody);
    expect(r.status).toBe(200);
    expect(r.aborted).toBe(true);
    expect(r.text.length).toBeLessThan(Number(r.headers['content-length']));
  });

  it('hang never answers (a client timeout fires)', async () => {
    await only('hang');
    await expect(
      fetch(`${sb.apiUrl}/catalogs/get`, {
        method: 'POST',
        body: catalogBody,
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
  });

  it('slow delays the answer by latencyMs', async () => {
    await only('slow', { latencyMs: 150 });
    const started = performance.now();
    const r = await raw('/v1/catalogs/get', catalogBody);
    expect(r.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('never touches /_sandbox routes or the bank page', async () => {
    await only('500');
    expect((await get(sb.url, '/_sandbox/clock')).status).toBe(200);
    expect((await get(sb.url, '/_sandbox/truth?summary=1')).status).toBe(200);
  });

  it('rate applies as a share of requests; rate 0 turns faults off', async () => {
    await post(sb.url, '/_sandbox/faults', { rate: 0.5, kinds: ['500'] });
    let failed = 0;
    for (let i = 0; i < 200; i++)
      if ((await raw('/v1/catalogs/get', catalogBody)).status === 500) failed += 1;
    expect(failed).toBeGreaterThan(50);
    expect(failed).toBeLessThan(150);
    await post(sb.url, '/_sandbox/faults', { rate: 0 });
    const c = await mint(sb, 'user-faults');
    for (let i = 0; i < 50; i++)
      expect((await post(sb.apiUrl, '/transactions/get', dataAuth(c))).status).toBe(200);
    expect(sb.control.faults().rate).toBe(0);
  });

  it('rejects an invalid fault setting', async () => {
    const r = await post(sb.url, '/_sandbox/faults', { rate: 2 });
    expect(r.status).toBe(400);
    const k = await post(sb.url, '/_sandbox/faults', { rate: 1, kinds: ['boom'] });
    expect(k.status).toBe(400);
  });

  it('can be set per run through options', async () => {
    const faulty = await startSandbox({ faults: { rate: 1, kinds: ['503'] } });
    try {
      const r = await post(faulty.apiUrl, '/catalogs/get', JSON.parse(catalogBody));
      expect(r.status).toBe(503);
    } finally {
      await faulty.close();
    }
  });
});
