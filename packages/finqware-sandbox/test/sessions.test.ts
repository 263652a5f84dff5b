import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, type RunningSandbox, startSandbox } from '../src/index';
import {
  APP,
  consentAuth,
  createSession,
  dataAuth,
  exchange,
  expectError,
  post,
  REDIRECT,
  runFlow,
  submitStep,
} from './helpers';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ seed: 'sessions', clock: { now: '2025-06-01T12:00:00Z' } });
});
afterAll(() => sb.close());

describe('every skill flow in catalog.json', () => {
  for (const skill of CATALOG.skills) {
    it(`${skill.code} (${skill.flow.map((s) => s.kind).join(' → ')}) ends in a temp_token that exchanges for a consent`, async () => {
      const tempToken = await runFlow(sb, skill.code, `user-${skill.code}`);
      expect(tempToken).toMatch(/^MDAx[A-Za-z0-9_-]+$/);
      const ex = await exchange(sb, tempToken);
      expect(ex.status).toBe(200);
      expect(ex.body.credentials_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(ex.body.consent_exp).toBe('2025-08-30T12:00:00Z');
      expect(ex.body.max_data_retention).toBe('2025-09-29T12:00:00Z');
      const pair = {
        credentialsId: ex.body.credentials_id,
        accessToken: ex.body.access_token,
        tenantUserId: `user-${skill.code}`,
      };
      const info = await post(sb.apiUrl, '/consents/get', consentAuth(pair));
      expect(info.body.result).toMatchObject({ status: 'ACTIVE', originator: { skill: skill.code } });
      const accounts = await post(sb.apiUrl, '/accounts/get', dataAuth(pair));
      expect(accounts.status).toBe(200);
      if (skill.kind === 'aisp') expect(accounts.body.length).toBeGreaterThanOrEqual(1);
      else expect(accounts.body).toEqual([]);
      if (skill.kind === 'pisp') {
        const payment = await post(sb.apiUrl, '/payments/get', consentAuth(pair));
        expect(payment.status).toBe(200);
        expect(payment.body.result.status).toBe('ACTC');
        expect(payment.body.result.data).toMatchObject({
          creditor_iban: 'RO10RZBR0000069999999970',
          amount: '150.25',
        });
      }
    });
  }
});

describe('session creation errors', () => {
  const base = {
    tenant_user_id: 'u',
    client_id: APP.clientId,
    client_app_key: APP.clientAppKey,
    skill: 'rzb_ro_aisp_sbx_#1.0',
  };
  it('rejects a malformed body, missing and unknown fields', async () => {
    expectError(await post(sb.apiUrl, '/sessions', '{not json'), 400, 'invalid_body');
    expectError(
      await post(sb.apiUrl, '/sessions', { ...base, tenant_user_id: undefined }),
      400,
      'missing_fields',
    );
    expectError(await post(sb.apiUrl, '/sessions', { ...base, extra: 1 }), 400, 'unknown_fields');
  });
  it('rejects wrong tenant keys and skills with the documented codes', async () => {
    expectError(await post(sb.apiUrl, '/sessions', { ...base, client_id: 'nope' }), 400, 'invalid_client_id');
    expectError(
      await post(sb.apiUrl, '/sessions', { ...base, client_app_key: 'nope' }),
      401,
      'invalid_client_app_key',
    );
    expectError(
      await post(sb.apiUrl, '/sessions', { ...base, skill: 'not a skill' }),
      400,
      'invalid_skill_name',
    );
    expectError(
      await post(sb.apiUrl, '/sessions', { ...base, skill: 'abc_ro_aisp_sbx_#9.0' }),
      401,
      'unauthorized_tenant',
    );
  });
  it('answers unknown routes with 404 not_found', async () => {
    expectError(await post(sb.apiUrl, '/nothing/here', {}), 404, 'not_found');
  });
});

describe('steps and nonces', () => {
  const skill = 'bt_ro_aisp_sbx_#2.0';

  it('rejects a reused nonce, and a wrong password keeps the same nonce valid for a retry', async () => {
    const s = await createSession(sb, skill);
    const id = s.body.session_id;
    const wrong = await submitStep(sb, id, {
      nonce: s.body.nonce,
      skill,
      step: 'credentials',
      data: { username: 'x', password: 'bad' },
    });
    expectError(wrong, 400, 'invalid_input');
    const right = await submitStep(sb, id, {
      nonce: s.body.nonce,
      skill,
      step: 'credentials',
      data: { username: 'x', password: 'sandbox' },
    });
    expect(right.status).toBe(200);
    expect(right.body.nonce).not.toBe(s.body.nonce);
    expect(right.body.status).toBe('SESSION_IN_PROGRESS');
    const reuse = await submitStep(sb, id, {
      nonce: s.body.nonce,
      skill,
      step: 'otp',
      data: { otp: '123456' },
    });
    expectError(reuse, 401, 'invalid_access_token');
    const badOtp = await submitStep(sb, id, {
      nonce: right.body.nonce,
      skill,
      step: 'otp',
      data: { otp: '000000' },
    });
    expectError(badOtp, 400, 'invalid_input');
    const done = await submitStep(sb, id, {
      nonce: right.body.nonce,
      skill,
      step: 'otp',
      data: { otp: '123456' },
    });
    expect(done.status).toBe(200);
    expect(done.body.temp_token).toMatch(/^MDAx/);
    expect(done.body.nonce).toBeUndefined();
    // The flow is over: the last nonce is spent and no step is expected.
    expectError(
      await submitStep(sb, id, { nonce: right.body.nonce, skill, step: 'otp', data: { otp: '123456' } }),
      401,
      'invalid_access_token',
    );
  });

  it('rejects the wrong step, a nonce of another session, wrong session and skill mismatch', async () => {
    const a = await createSession(sb, skill);
    const b = await createSession(sb, skill);
    expectError(
      await submitStep(sb, a.body.session_id, {
        nonce: a.body.nonce,
        skill,
        step: 'otp',
        data: { otp: '123456' },
      }),
      400,
      'invalid_step',
    );
    expectError(
      await submitStep(sb, a.body.session_id, {
        nonce: b.body.nonce,
        skill,
        step: 'credentials',
        data: { username: 'x', password: 'sandbox' },
      }),
      401,
      'invalid_access_token',
    );
    expectError(
      await submitStep(sb, '00000000-0000-4000-8000-000000000000', {
        nonce: a.body.nonce,
        skill,
        step: 'credentials',
        data: {},
      }),
      400,
      'invalid_session_id',
    );
    expectError(
      await submitStep(sb, a.body.session_id, {
        nonce: a.body.nonce,
        skill: 'rzb_ro_aisp_sbx_#1.0',
        step: 'credentials',
        data: {},
      }),
      400,
      'invalid_skill_name',
    );
    expectError(
      await submitStep(sb, a.body.session_id, {
        nonce: a.body.nonce,
        skill,
        step: 'credentials',
        data: { username: 'x' },
      }),
      400,
      'missing_fields',
    );
    // After all those failures the nonce still works.
    const ok = await submitStep(sb, a.body.session_id, {
      nonce: a.body.nonce,
      skill,
      step: 'credentials',
      data: { username: 'x', password: 'sandbox' },
    });
    expect(ok.status).toBe(200);
  });

  it('expires a nonce after 30 minutes of sandbox time', async () => {
    const local = await startSandbox({ clock: { now: '2025-06-01T12:00:00Z' } });
    try {
      const s = await createSession(local, skill);
      local.control.advanceClock({ advanceMinutes: 31 });
      const r = await submitStep(local, s.body.session_id, {
        nonce: s.body.nonce,
        skill,
        step: 'credentials',
        data: { username: 'x', password: 'sandbox' },
      });
      expectError(r, 401, 'invalid_access_token');
      expect(r.body.message).toMatch(/expired/);
    } finally {
      await local.close();
    }
  });

  it('erste: psu_identification form, then the bank redirect', async () => {
    const code = 'erste_hr_aisp_sbx_#1.0';
    const s = await createSession(sb, code);
    const first = await submitStep(sb, s.body.session_id, {
      nonce: s.body.nonce,
      skill: code,
      step: 'psu_identification',
      data: { psu_id: 'jdoe' },
    });
    expect(first.body.nonce).toBeTruthy();
    const sca = await submitStep(sb, s.body.session_id, {
      nonce: first.body.nonce,
      skill: code,
      step: 'sca',
      data: { psu_redirect_link: REDIRECT },
    });
    expect(sca.body).toMatchObject({
      status: 'SESSION_IN_PROGRESS',
      data: { method: 'GET', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
    });
    const bank = await fetch(sca.body.data.url, { redirect: 'manual' });
    expect(bank.status).toBe(302);
    const location = new URL(bank.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe('https://tenant.example/connect/callback');
    expect(location.searchParams.get('flow')).toBe('1');
    expect(location.searchParams.get('temp_token')).toMatch(/^MDAx/);
    // The bank link is single use.
    expect((await fetch(sca.body.data.url, { redirect: 'manual' })).status).toBe(400);
  });

  it('a denied bank page redirects with error=access_denied and no token', async () => {
    const code = 'rzb_ro_aisp_sbx_#1.0';
    const s = await createSession(sb, code);
    const sca = await submitStep(sb, s.body.session_id, {
      nonce: s.body.nonce,
      skill: code,
      step: 'sca',
      data: { psu_redirect_link: 'myapp://done' },
    });
    const bank = await fetch(`${sca.body.data.url}&deny=1`, { redirect: 'manual' });
    const location = new URL(bank.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.has('temp_token')).toBe(false);
  });

  it('sca_implicit answers the temp_token directly', async () => {
    const code = 'ing_ro_aisp_sbx_#2.0';
    const s = await createSession(sb, code);
    const r = await submitStep(sb, s.body.session_id, {
      nonce: s.body.nonce,
      skill: code,
      step: 'sca_implicit',
      data: {},
    });
    expect(r.body.temp_token).toMatch(/^MDAx/);
  });

  it('payment_intent validates its fields', async () => {
    const code = 'rzb_ro_pisp_sbx_#1.0';
    const s = await createSession(sb, code);
    const data = {
      debtor_iban: 'RO03RZBR0000069999999999',
      creditor_name: 'Ana',
      creditor_iban: 'RO10RZBR0000069999999970',
      amount: '12.345',
      currency: 'RON',
      psu_redirect_link: REDIRECT,
    };
    expectError(
      await submitStep(sb, s.body.session_id, {
        nonce: s.body.nonce,
        skill: code,
        step: 'payment_intent',
        data,
      }),
      400,
      'invalid_input',
    );
    expectError(
      await submitStep(sb, s.body.session_id, {
        nonce: s.body.nonce,
        skill: code,
        step: 'payment_intent',
        data: { ...data, amount: '12.34', currency: 'JPY' },
      }),
      400,
      'invalid_input',
    );
    const ok = await submitStep(sb, s.body.session_id, {
      nonce: s.body.nonce,
      skill: code,
      step: 'payment_intent',
      data: { ...data, amount: '12.34' },
    });
    expect(ok.body.data.url).toContain('/bank/rzb_ro/authorize');
  });
});

describe('token exchange', () => {
  it('temp tokens are single use', async () => {
    const t = await runFlow(sb, 'ing_ro_aisp_sbx_#2.0');
    expect((await exchange(sb, t)).status).toBe(200);
    expectError(await exchange(sb, t), 401, 'invalid_temp_token');
    expectError(await exchange(sb, 'MDAxunknown'), 401, 'invalid_temp_token');
  });
  it('temp tokens expire after 10 minutes of sandbox time', async () => {
    const local = await startSandbox({ clock: { now: '2025-06-01T12:00:00Z' } });
    try {
      const t = await runFlow(local, 'ing_ro_aisp_sbx_#2.0');
      local.control.advanceClock({ advanceMinutes: 11 });
      expectError(await exchange(local, t), 401, 'invalid_temp_token');
    } finally {
      await local.close();
    }
  });
  it('checks the tenant secret', async () => {
    const t = await runFlow(sb, 'ing_ro_aisp_sbx_#2.0');
    expectError(
      await post(sb.apiUrl, '/tokens', { client_id: APP.clientId, client_secret: 'x', temp_token: t }),
      401,
      'invalid_client_secret',
    );
    expectError(
      await post(sb.apiUrl, '/tokens', { client_id: 'x', client_secret: APP.clientSecret, temp_token: t }),
      400,
      'invalid_client_id',
    );
  });
});

describe('catalog (invented endpoint)', () => {
  it('serves catalog.json to the tenant app', async () => {
    const r = await post(sb.apiUrl, '/catalogs/get', {
      client_id: APP.clientId,
      client_secret: APP.clientSecret,
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(CATALOG);
    expect(r.body.servicers.length).toBeGreaterThanOrEqual(3);
    expect(r.body.skills.length).toBeGreaterThanOrEqual(6);
    expectError(
      await post(sb.apiUrl, '/catalogs/get', { client_id: APP.clientId, client_secret: 'x' }),
      401,
      'invalid_client_secret',
    );
  });
});
