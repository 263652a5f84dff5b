import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorDetails } from '../src/errors';
import { appRouter } from '../src/root';
import { flowDeps } from '../src/routers/connect';
import { recordBankReturn } from '../src/services/bank-return';
import type { ConnectState } from '../src/services/connect-flow';
import { createHarness, type Harness } from '../src/testing/harness';
import { sql } from '../src/testing/sql';
import { createCallerFactory } from '../src/trpc';
import { rejection } from './rejection';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ sandbox: true });
});
afterAll(() => h?.close());

function current(state: ConnectState) {
  if (state.status !== 'IN_PROGRESS') throw new Error(`expected a step, got ${JSON.stringify(state)}`);
  return state.step;
}

const createCaller = createCallerFactory(appRouter);

/**
 * The harness's Finqware with its next step submission held at the bank: `entered` settles when
 * that call reaches the bank, which answers it only after `release()`. `rearm()` holds the next one.
 */
function holdFirstSubmission() {
  let armed = false;
  let arrived = () => {};
  let release = () => {};
  let held = Promise.resolve();
  const hold = {
    entered: Promise.resolve(),
    release: () => release(),
    rearm() {
      armed = true;
      hold.entered = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      held = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    fq: {
      ...h.fq,
      sessions: {
        ...h.fq.sessions,
        async submitStep(...args: Parameters<Harness['fq']['sessions']['submitStep']>) {
          if (armed) {
            armed = false;
            arrived();
            await held;
          }
          return h.fq.sessions.submitStep(...args);
        },
      },
    } satisfies Harness['fq'],
  };
  hold.rearm();
  return hold;
}

/**
 * Plays the browser: opens the bank page and follows the bank's redirect into our callback, which
 * records the bank's return for the session's owner (their connect.get completes it).
 */
async function approveAtBank(redirectUrl: string, options: { deny?: boolean } = {}) {
  const url = new URL(redirectUrl);
  if (options.deny) url.searchParams.set('deny', '1');
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = new URL(response.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(`${h.config.apiPublicUrl}/connect/callback`);
  return recordBankReturn(flowDeps(h.context()), {
    sessionId: location.searchParams.get('session') ?? '',
    tempToken: location.searchParams.get('temp_token') ?? undefined,
    error: location.searchParams.get('error') ?? undefined,
  });
}

const SECRET_KEYS = /nonce|temp_?token|access_?token|credentials_?id/i;

function assertNoSecrets(value: unknown) {
  const json = JSON.stringify(value);
  expect(json).not.toMatch(SECRET_KEYS);
}

/** Every sandbox skill, driven from start to consent the way a front-end would. */
const FLOWS: Record<string, { values: Record<string, string>[]; kinds: string[]; syncs: boolean }> = {
  'rzb_ro_aisp_sbx_#1.0': { values: [], kinds: ['sca'], syncs: true },
  'ing_ro_aisp_sbx_#2.0': { values: [{}], kinds: ['sca_implicit'], syncs: true },
  'bt_ro_aisp_sbx_#2.0': {
    values: [{ username: 'ana', password: 'sandbox' }, { otp: '123456' }],
    kinds: ['form', 'form'],
    syncs: true,
  },
  'erste_hr_aisp_sbx_#1.0': { values: [{ psu_id: 'ana.k' }], kinds: ['form', 'sca'], syncs: true },
  'xyz_sbx_#3.0': {
    values: [{ value: '10000', currency: 'EUR', period: '12' }, { otp: '123456' }],
    kinds: ['product_form', 'form'],
    syncs: false,
  },
};

describe('connect', () => {
  it('covers every enabled skill of the catalog (payment skills: payments.test.ts)', async () => {
    const user = await h.signUp();
    const codes = (await user.api.catalog.skills())
      .filter((s) => s.kind !== 'pisp')
      .map((s) => s.code)
      .sort();
    expect(codes).toEqual(Object.keys(FLOWS).sort());
  });

  for (const [code, flow] of Object.entries(FLOWS)) {
    it(`runs the ${code} flow (${flow.kinds.join(' → ')}) to a stored consent`, async () => {
      const user = await h.signUp();
      let state = await user.api.connect.start({ skillId: await h.skillId(code) });
      const sessionId = state.sessionId;
      const kinds: string[] = [];
      let values = [...flow.values];
      for (let guard = 0; guard < 5 && state.status === 'IN_PROGRESS'; guard++) {
        const step = current(state);
        assertNoSecrets(state);
        kinds.push(step.kind);
        if (step.redirectUrl) {
          expect(step.fields).toEqual([]);
          const outcome = await approveAtBank(step.redirectUrl);
          expect(outcome).toEqual({ sessionId, status: 'returned' });
          state = await user.api.connect.get({ sessionId });
        } else {
          const [next, ...rest] = values;
          values = rest;
          state = await user.api.connect.submit({ sessionId, stepId: step.id, values: next ?? {} });
        }
      }
      expect(kinds).toEqual(flow.kinds);
      if (state.status !== 'COMPLETED') throw new Error(`flow ended ${state.status}`);
      assertNoSecrets(state);

      const again = await user.api.connect.get({ sessionId });
      expect(again).toEqual(state);
      const consents = await user.api.consents.list();
      expect(consents.map((c) => c.id)).toEqual([state.consentId]);
      expect(consents[0]?.status).toBe('ACTIVE');
      expect(consents[0]?.skill.code).toBe(code);

      const jobs = await h.queuedSyncJobs(state.consentId);
      expect(jobs.map((j) => j.data)).toEqual(
        flow.syncs ? [{ consentId: state.consentId, reason: 'initial' }] : [],
      );

      // Secrets are stored only through the vault.
      const row = await sql(h.em()).one<Record<string, unknown>>('select * from user_skills where id = ?', [
        state.consentId,
      ]);
      const secrets = await h.context().vault.readConsentSecrets(h.em(), state.consentId);
      expect(secrets.accessToken.length).toBeGreaterThan(10);
      expect(JSON.stringify(row)).not.toContain(secrets.accessToken);
      expect(JSON.stringify(row)).not.toContain(secrets.credentialsId);
    });
  }

  it('refuses a stale step with CONFLICT without calling Finqware', async () => {
    const user = await h.signUp();
    const started = await user.api.connect.start({ skillId: await h.skillId('bt_ro_aisp_sbx_#2.0') });
    const first = current(started);
    const second = await user.api.connect.submit({
      sessionId: started.sessionId,
      stepId: first.id,
      values: { username: 'ana', password: 'sandbox' },
    });
    expect(current(second).kind).toBe('form');
    const before = h.sandbox?.control.stats().byEndpoint;
    const stale = await rejection(
      user.api.connect.submit({
        sessionId: started.sessionId,
        stepId: first.id,
        values: { username: 'ana', password: 'sandbox' },
      }),
    );
    expect(stale.code).toBe('CONFLICT');
    expect((stale.cause as ErrorDetails).reason).toBe('STEP_NOT_CURRENT');
    expect(h.sandbox?.control.stats().byEndpoint).toEqual(before);
    // The current step is untouched and still works.
    const done = await user.api.connect.submit({
      sessionId: started.sessionId,
      stepId: current(second).id,
      values: { otp: '123456' },
    });
    expect(done.status).toBe('COMPLETED');
  });

  it('lets exactly one of two simultaneous submissions through, the other a CONFLICT (SESSION_BUSY) at once', async () => {
    const user = await h.signUp();
    const started = await user.api.connect.start({ skillId: await h.skillId('bt_ro_aisp_sbx_#2.0') });
    // The first submission of each pair is held inside its call to the bank until the second has
    // been answered: simultaneous however fast or slow the machine runs either of them.
    const bank = holdFirstSubmission();
    const api = createCaller(() => ({ ...h.context(user.token), fq: bank.fq }));
    const submitBoth = async (stepId: string, values: Record<string, string>) => {
      const first = api.connect.submit({ sessionId: started.sessionId, stepId, values });
      await bank.entered;
      const second = await rejection(api.connect.submit({ sessionId: started.sessionId, stepId, values }));
      bank.release();
      return { first: await first, second };
    };

    const credentials = await submitBoth(current(started).id, { username: 'ana', password: 'sandbox' });
    expect(credentials.second.code).toBe('CONFLICT');
    expect((credentials.second.cause as ErrorDetails).reason).toBe('SESSION_BUSY');

    bank.rearm();
    const otp = current(credentials.first);
    const final = await submitBoth(otp.id, { otp: '123456' });
    expect((final.second.cause as ErrorDetails).reason).toBe('SESSION_BUSY');
    const a = final.first;
    if (a.status !== 'COMPLETED') throw new Error('not completed');
    // A repeat of the final submission after it completed answers the same consent.
    expect(
      await user.api.connect.submit({
        sessionId: started.sessionId,
        stepId: otp.id,
        values: { otp: '123456' },
      }),
    ).toEqual(a);
    expect(await user.api.consents.list()).toHaveLength(1);
    expect(await h.queuedSyncJobs(a.consentId)).toHaveLength(1);
  });

  it('names the rejected field when the bank refuses a password or code, and keeps the step for a retry', async () => {
    const user = await h.signUp();
    const started = await user.api.connect.start({ skillId: await h.skillId('bt_ro_aisp_sbx_#2.0') });
    const step = current(started);
    const wrong = await rejection(
      user.api.connect.submit({
        sessionId: started.sessionId,
        stepId: step.id,
        values: { username: 'ana', password: 'nope' },
      }),
    );
    expect(wrong.code).toBe('BAD_REQUEST');
    expect((wrong.cause as ErrorDetails).issues?.map((i) => i.path)).toEqual(['values.password']);
    expect(wrong.message).not.toContain('nope');

    const missing = await rejection(
      user.api.connect.submit({ sessionId: started.sessionId, stepId: step.id, values: { username: 'ana' } }),
    );
    expect((missing.cause as ErrorDetails).issues?.map((i) => i.path)).toEqual(['values.password']);

    expect(current(await user.api.connect.get({ sessionId: started.sessionId })).id).toBe(step.id);
    const next = await user.api.connect.submit({
      sessionId: started.sessionId,
      stepId: step.id,
      values: { username: 'ana', password: 'sandbox' },
    });
    const otp = current(next);
    const badOtp = await rejection(
      user.api.connect.submit({ sessionId: started.sessionId, stepId: otp.id, values: { otp: '000000' } }),
    );
    expect((badOtp.cause as ErrorDetails).issues?.map((i) => i.path)).toEqual(['values.otp']);
    expect(
      (
        await user.api.connect.submit({
          sessionId: started.sessionId,
          stepId: otp.id,
          values: { otp: '123456' },
        })
      ).status,
    ).toBe('COMPLETED');
  });

  it('fails the session when the user denies access at the bank, and a redirect step cannot be submitted', async () => {
    const user = await h.signUp();
    const started = await user.api.connect.start({ skillId: await h.skillId('rzb_ro_aisp_sbx_#1.0') });
    const step = current(started);
    const submit = await rejection(
      user.api.connect.submit({ sessionId: started.sessionId, stepId: step.id, values: {} }),
    );
    expect(submit.code).toBe('CONFLICT');
    const outcome = await approveAtBank(step.redirectUrl ?? '', { deny: true });
    expect(outcome).toEqual({ sessionId: started.sessionId, status: 'failed', reason: 'access_denied' });
    const state = await user.api.connect.get({ sessionId: started.sessionId });
    expect(state).toMatchObject({ status: 'FAILED', failure: 'access_denied' });
    expect(await user.api.consents.list()).toEqual([]);
  });

  it('completes a redirect flow once even if the callback is replayed and the owner asks twice at once', async () => {
    const user = await h.signUp();
    const started = await user.api.connect.start({ skillId: await h.skillId('rzb_ro_aisp_sbx_#1.0') });
    const step = current(started);
    const response = await fetch(step.redirectUrl ?? '', { redirect: 'manual' });
    const location = new URL(response.headers.get('location') ?? '');
    const input = {
      sessionId: started.sessionId,
      tempToken: location.searchParams.get('temp_token') ?? undefined,
    };
    const outcomes = await Promise.all([
      recordBankReturn(flowDeps(h.context()), input),
      recordBankReturn(flowDeps(h.context()), input),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['returned', 'returned']);
    expect(await user.api.consents.list()).toEqual([]);
    const [one, two] = await Promise.all([
      user.api.connect.get({ sessionId: started.sessionId }),
      user.api.connect.get({ sessionId: started.sessionId }),
    ]);
    expect(one).toEqual(two);
    expect(one.status).toBe('COMPLETED');
    const consents = await user.api.consents.list();
    expect(consents).toHaveLength(1);
    const state = await user.api.connect.submit({
      sessionId: started.sessionId,
      stepId: step.id,
      values: {},
    });
    expect(state).toEqual({
      sessionId: started.sessionId,
      status: 'COMPLETED',
      done: true,
      consentId: consents[0]?.id,
    });
  });

  it('does not start a disabled or unknown skill', async () => {
    const user = await h.signUp();
    const skillId = await h.skillId('ing_ro_aisp_sbx_#2.0');
    await sql(h.em()).run('update skills set enabled = false where id = ?', [skillId]);
    try {
      expect((await rejection(user.api.connect.start({ skillId }))).code).toBe('NOT_FOUND');
      expect((await user.api.catalog.skills()).map((s) => s.id)).not.toContain(skillId);
    } finally {
      await sql(h.em()).run('update skills set enabled = true where id = ?', [skillId]);
    }
  });

  it('reports Finqware outages as SERVICE_UNAVAILABLE; the reserved session ends FAILED and is not open', async () => {
    const user = await h.signUp();
    h.sandbox?.control.setFaults({ rate: 1, kinds: ['503'] });
    try {
      const err = await rejection(
        user.api.connect.start({ skillId: await h.skillId('bt_ro_aisp_sbx_#2.0') }),
      );
      expect(err.code).toBe('SERVICE_UNAVAILABLE');
      expect(err.message).not.toMatch(/sbx-secret|client_secret/);
    } finally {
      h.sandbox?.control.setFaults({ rate: 0 });
    }
    const sessions = await sql(h.em()).all('select status, failure_reason from sessions where user_id = ?', [
      user.user.id,
    ]);
    expect(sessions).toEqual([{ status: 'FAILED', failure_reason: 'bank_unavailable' }]);
  });

  it('expires a session after its lifetime: get reports EXPIRED, submit is a CONFLICT', async () => {
    const user = await h.signUp();
    const started = await user.api.connect.start({ skillId: await h.skillId('bt_ro_aisp_sbx_#2.0') });
    await sql(h.em()).run(`update sessions set expires_at = now() - interval '1 second' where id = ?`, [
      started.sessionId,
    ]);
    const err = await rejection(
      user.api.connect.submit({
        sessionId: started.sessionId,
        stepId: current(started).id,
        values: { username: 'ana', password: 'sandbox' },
      }),
    );
    expect(err.code).toBe('CONFLICT');
    expect((err.cause as ErrorDetails).reason).toBe('SESSION_EXPIRED');
    expect(await user.api.connect.get({ sessionId: started.sessionId })).toEqual({
      sessionId: started.sessionId,
      status: 'EXPIRED',
      done: false,
      reason: 'SESSION_EXPIRED',
    });
    const row = await sql(h.em()).one<{ status: string; nonce_enc: string | null }>(
      'select status, nonce_enc from sessions where id = ?',
      [started.sessionId],
    );
    expect(row).toEqual({ status: 'EXPIRED', nonce_enc: null });
  });
});
