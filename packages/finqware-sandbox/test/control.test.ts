import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../src/index';
import { consentAuth, createSession, dataAuth, expectError, get, post, submitStep } from './helpers';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({
    seed: 'control',
    clock: { now: '2025-06-01T12:00:00Z' },
    history: { transactionsPerAccount: 200 },
  });
});
afterAll(() => sb.close());

describe('POST /_sandbox/consents', () => {
  it('mints an ACTIVE consent without a session, with its own volume', async () => {
    const r = await post(sb.url, '/_sandbox/consents', {
      tenantUserId: 'bench-1',
      skill: 'bt_ro_aisp_sbx_#2.0',
      transactionsPerAccount: 5000,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ consentExp: '2025-08-30T12:00:00Z' });
    const pair = {
      credentialsId: r.body.credentialsId,
      accessToken: r.body.accessToken,
      tenantUserId: 'bench-1',
    };
    const info = await post(sb.apiUrl, '/consents/get', consentAuth(pair));
    expect(info.body.result).toMatchObject({
      status: 'ACTIVE',
      originator: { servicer: 'Banca Transilvania', country: 'Romania' },
    });
    const truth = (await get(sb.url, `/_sandbox/truth?credentialsId=${pair.credentialsId}&summary=1`)).body;
    for (const a of truth.consents[0].accounts) expect(a.transactionCount).toBeGreaterThan(4800);
  });

  it('validates its input', async () => {
    expectError(
      await post(sb.url, '/_sandbox/consents', { skill: 'bt_ro_aisp_sbx_#2.0' }),
      400,
      'missing_fields',
    );
    expectError(
      await post(sb.url, '/_sandbox/consents', { tenantUserId: 'x', skill: 'nope_sbx_#1.0' }),
      401,
      'unauthorized_tenant',
    );
    expectError(
      await post(sb.url, '/_sandbox/consents', {
        tenantUserId: 'x',
        skill: 'bt_ro_aisp_sbx_#2.0',
        transactionsPerAccount: 0,
      }),
      400,
      'invalid_field',
    );
  });
});

describe('GET /_sandbox/stats', () => {
  it('counts API calls per endpoint, status and consent — not control calls', async () => {
    await post(sb.url, '/_sandbox/stats/reset', {});
    const minted = sb.control.createConsent({ tenantUserId: 'stats', skill: 'rzb_ro_aisp_sbx_#1.0' });
    const pair = {
      credentialsId: minted.credentialsId,
      accessToken: minted.accessToken,
      tenantUserId: 'stats',
    };
    await post(sb.apiUrl, '/accounts/get', dataAuth(pair));
    await post(sb.apiUrl, '/transactions/get', dataAuth(pair));
    await post(sb.apiUrl, '/transactions/get', { ...dataAuth(pair), access_token: 'bad' });
    await post(sb.apiUrl, '/consents/delete', consentAuth(pair));
    await get(sb.url, '/_sandbox/truth?summary=1');
    const stats = (await get(sb.url, '/_sandbox/stats')).body;
    expect(stats.total).toBe(4);
    expect(stats.byEndpoint['POST /v1/transactions/get']).toEqual({ total: 2, byStatus: { 200: 1, 401: 1 } });
    expect(stats.byStatus).toEqual({ 200: 3, 401: 1 });
    expect(stats.byCredentialsId[pair.credentialsId]).toEqual({
      total: 4,
      byEndpoint: {
        'POST /v1/accounts/get': 1,
        'POST /v1/transactions/get': 2,
        'POST /v1/consents/delete': 1,
      },
    });
  });
});

describe('other control routes', () => {
  it('lists the routes and answers unknown ones with 404', async () => {
    expect((await get(sb.url, '/_sandbox')).body.routes.length).toBeGreaterThan(5);
    expectError(await get(sb.url, '/_sandbox/nothing'), 404, 'not_found');
  });

  it('reset forgets consents, sessions, faults and clock moves', async () => {
    const local = await startSandbox({ clock: { now: '2025-06-01T12:00:00Z' } });
    try {
      const c = local.control.createConsent({ tenantUserId: 'r', skill: 'rzb_ro_aisp_sbx_#1.0' });
      local.control.advanceClock({ advanceDays: 3 });
      local.control.setFaults({ rate: 1, kinds: ['500'] });
      const r = await post(local.url, '/_sandbox/reset', {});
      expect(r.body).toEqual({ ok: true, now: '2025-06-01T12:00:00Z' });
      expect(local.control.truth().consents).toEqual([]);
      expectError(
        await post(
          local.apiUrl,
          '/accounts/get',
          dataAuth({ credentialsId: c.credentialsId, accessToken: c.accessToken, tenantUserId: 'r' }),
        ),
        401,
        'invalid_credentials_id',
      );
    } finally {
      await local.close();
    }
  });

  it('accepts uploads for a known step (§3.7, path only)', async () => {
    const skill = 'xyz_sbx_#3.0';
    const s = await createSession(sb, skill);
    const step = await submitStep(sb, s.body.session_id, {
      nonce: s.body.nonce,
      skill,
      step: 'product_form',
      data: { value: '1000', currency: 'EUR', period: '12' },
    });
    expect((await post(sb.apiUrl, `/steps/${step.body.step_id}/upload`, {})).body).toEqual({
      status: 'success',
    });
    expectError(await post(sb.apiUrl, '/steps/unknown/upload', {}), 400, 'invalid_step');
  });
});

describe('close()', () => {
  it('ends hanging requests and keep-alive sockets', async () => {
    const local = await startSandbox({ faults: { rate: 1, kinds: ['hang'] } });
    const hanging = new Promise<string>((resolve) => {
      const req = request(`${local.apiUrl}/catalogs/get`, { method: 'POST' }, () => resolve('answered'));
      req.on('error', () => resolve('closed'));
      req.end('{}');
    });
    // Give the request time to reach the server.
    while (local.control.stats().faults.hang !== 1) await new Promise((r) => setTimeout(r, 5));
    await local.close();
    expect(await hanging).toBe('closed');
  });
});
