import { createConsent, sql } from '@tenant/router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServedApi, serveApi } from './support/served-api';

/**
 * The connect flow under attack over HTTP (#12 items 3 and 4), against the real api, PostgreSQL
 * and the sandbox bank: a temp_token brought to someone else's session, forged callbacks, bursts
 * of submissions on one session, wrong bank passwords, and floods of connect.start.
 */

let s: ServedApi;

beforeAll(async () => {
  s = await serveApi();
});
afterAll(() => s?.close());

const RZB = 'rzb_ro_aisp_sbx_#1.0';
const BT = 'bt_ro_aisp_sbx_#2.0';
const PAY = 'rzb_ro_pisp_sbx_#1.0';

type User = { id: string; token: string; tenantUserId: string; api: ReturnType<ServedApi['client']> };

/** A user signed up (through the router: registrations from one address are rate-limited) with an HTTP client. */
async function user(): Promise<User> {
  const signed = await s.h.signUp();
  const row = await sql(s.h.em()).one<{ tenant_user_id: string }>(
    'select tenant_user_id from users where id = ?',
    [signed.user.id],
  );
  return {
    id: signed.user.id,
    token: signed.token,
    tenantUserId: row?.tenant_user_id ?? '',
    api: s.client(signed.token),
  };
}

/** Requests the sandbox bank received on `endpoint` (a route name such as '/tokens'). */
const calls = (endpoint: string) =>
  s.h.sandbox?.control.stats().byEndpoint[`POST /v1${endpoint}`]?.total ?? 0;
const consentsAtBank = (tenantUserId: string) =>
  (s.h.sandbox?.control.truth().consents ?? []).filter((c) => c.tenantUserId === tenantUserId);

/** The bank page approves and redirects to our callback: that redirect's URL (it carries the temp_token). */
async function approveAtBank(redirectUrl: string): Promise<URL> {
  const bank = await fetch(redirectUrl, { redirect: 'manual' });
  expect(bank.status).toBe(302);
  return new URL(bank.headers.get('location') ?? '');
}

/** GET /connect/callback as a browser would, without following our redirect to the front-end. */
async function callback(session: string, tempToken: string): Promise<URL> {
  const res = await fetch(
    `${s.base}/connect/callback?session=${encodeURIComponent(session)}&temp_token=${encodeURIComponent(tempToken)}`,
    { redirect: 'manual' },
  );
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
}

async function redirectStep(u: User) {
  const started = await u.api.connect.start.mutate({ skillId: await s.h.skillId(RZB) });
  if (started.status !== 'IN_PROGRESS' || !started.step.redirectUrl) throw new Error('no redirect step');
  return { sessionId: started.sessionId, redirectUrl: started.step.redirectUrl };
}

type Settled<T> = PromiseSettledResult<T>;
const codeOf = (r: Settled<unknown>) =>
  r.status === 'rejected' ? (r.reason as { data?: { code?: string } }).data?.code : 'OK';
const reasonOf = (r: Settled<unknown>) =>
  r.status === 'rejected' ? (r.reason as { data?: { reason?: string } }).data?.reason : undefined;

describe('the bank callback is bound to the session’s owner', () => {
  it("B completing his own session with A's temp_token stores nothing for B, and A's consent stays active at the bank", async () => {
    const alice = await user();
    const bob = await user();
    const hers = await redirectStep(alice);
    const his = await redirectStep(bob);
    // Alice approves at her bank; her temp_token leaks before her browser reaches us.
    const aliceToken = (await approveAtBank(hers.redirectUrl)).searchParams.get('temp_token') ?? '';
    expect(aliceToken).not.toBe('');

    const landing = await callback(his.sessionId, aliceToken);
    expect(landing.searchParams.get('session')).toBe(his.sessionId);
    const bobs = await bob.api.connect.get.query({ sessionId: his.sessionId });
    expect(bobs).toMatchObject({ status: 'FAILED', failure: 'consent_not_attributed' });
    expect(await bob.api.consents.list.query()).toEqual([]);

    // The consent the token stood for is Alice's, still active at the bank, and nothing was revoked.
    expect(consentsAtBank(alice.tenantUserId).map((c) => c.status)).toEqual(['ACTIVE']);
    expect(consentsAtBank(bob.tenantUserId)).toEqual([]);
    expect(calls('/consents/delete')).toBe(0);
    // Bob has nothing he could revoke: any consent id is NOT_FOUND to him.
    const stored = await sql(s.h.em()).all<{ id: string }>('select id from user_skills');
    for (const { id } of stored) {
      await expect(bob.api.consents.revoke.mutate({ consentId: id })).rejects.toMatchObject({
        data: { code: 'NOT_FOUND' },
      });
    }
    expect(calls('/consents/delete')).toBe(0);
  });

  it('the callback exchanges nothing: a forged token for a real session reaches no Finqware endpoint, and the owner’s call fails it', async () => {
    const carol = await user();
    const { sessionId } = await redirectStep(carol);
    const before = calls('/tokens');
    const landing = await callback(sessionId, 'MDAxforged-token');
    expect(landing.searchParams.get('status')).toBe('returned');
    expect(calls('/tokens')).toBe(before);
    const row = await sql(s.h.em()).one<{ return_token_enc: string }>(
      'select return_token_enc from sessions where id = ?',
      [sessionId],
    );
    // Kept for the owner, sealed by the vault, never in plain text.
    expect(row?.return_token_enc).toMatch(/^v1\./);
    expect(row?.return_token_enc).not.toContain('forged');

    const state = await carol.api.connect.get.query({ sessionId });
    expect(calls('/tokens')).toBe(before + 1);
    expect(state).toMatchObject({ status: 'FAILED', failure: 'exchange_failed' });
    expect(await carol.api.consents.list.query()).toEqual([]);
  });

  it('the owner’s own return completes through their connect.get, and another user cannot read or finish it', async () => {
    const dan = await user();
    const eve = await user();
    const { sessionId, redirectUrl } = await redirectStep(dan);
    const toCallback = await approveAtBank(redirectUrl);
    const landing = await fetch(toCallback, { redirect: 'manual' });
    expect(new URL(landing.headers.get('location') ?? '').searchParams.get('status')).toBe('returned');
    await expect(eve.api.connect.get.query({ sessionId })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
    const state = await dan.api.connect.get.query({ sessionId });
    expect(state.status).toBe('COMPLETED');
    expect((await dan.api.consents.list.query()).map((c) => c.skill.code)).toEqual([RZB]);
    expect(await eve.api.consents.list.query()).toEqual([]);
  });

  it.each([
    ['a malformed id', "1' or '1'='1"],
    ['an upper-case id', 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE'],
    ['an unknown uuid', '6f1c2b9e-0c55-4b7e-9d2c-1a2b3c4d5e6f'],
  ])('a callback for %s is unknown_session, records nothing and logs no SQL', async (_what, session) => {
    const mark = s.logs.length;
    const before = calls('/tokens');
    const landing = await callback(session, 'MDAxforged');
    expect(landing.searchParams.get('reason')).toBe('unknown_session');
    expect(calls('/tokens')).toBe(before);
    expect(s.errorsSince(mark)).toEqual([]);
    expect(JSON.stringify(s.logs.slice(mark))).not.toMatch(/syntax|select|update|uuid/i);
  });

  it("a payment token replayed into another user's payment session does not authorise that payment", async () => {
    const alice = await user();
    const bob = await user();
    const skillId = await s.h.skillId(PAY);
    const order = (amount: string) => ({
      skillId,
      debtorIban: 'RO03RZBR0000069999999999',
      creditor: { name: 'Ion Popescu', iban: 'RO10RZBR0000069999999970' },
      amount,
      currency: 'RON',
      idempotencyKey: crypto.randomUUID(),
    });
    const alicePays = await alice.api.payments.initiate.mutate(order('10.00'));
    const bobPays = await bob.api.payments.initiate.mutate(order('1.00'));
    const aliceToken =
      (await approveAtBank(alicePays.redirectUrl ?? '')).searchParams.get('temp_token') ?? '';
    const bobSession = await sql(s.h.em()).one<{ session_id: string }>(
      'select session_id from payments where id = ?',
      [bobPays.id],
    );
    const landing = await callback(bobSession?.session_id ?? '', aliceToken);
    expect(landing.searchParams.get('payment')).toBe(bobPays.id);
    const bobs = await bob.api.payments.get.query({ paymentId: bobPays.id });
    expect(bobs.status).toBe('PENDING');
    expect(bobs.redirectUrl).toBe(bobPays.redirectUrl);
    const made = s.h.sandbox?.control.truth().payments ?? [];
    expect(made.filter((p) => p.tenantUserId === bob.tenantUserId)).toEqual([]);
    // The token stood for Alice's payment: it is hers that it authorised.
    expect((await alice.api.payments.get.query({ paymentId: alicePays.id })).status).toBe('AUTHORISED');
  });
});

describe('no lock across a Finqware call', () => {
  it('of 50 parallel submits on one session one proceeds, the rest are CONFLICT at once, and another user’s consents.refresh completes meanwhile', async () => {
    const frank = await user();
    const grace = await user();
    const graceConsent = await createConsent(s.h, grace.id);
    const started = await frank.api.connect.start.mutate({ skillId: await s.h.skillId(BT) });
    if (started.status !== 'IN_PROGRESS') throw new Error('no step');
    const stepId = started.step.id;
    const before = calls('/sessions/:id/steps');
    // The bank is slow to answer a step: the submission that proceeds waits on it.
    s.h.sandbox?.control.setFaults({
      rate: 1,
      kinds: ['slow'],
      latencyMs: 1500,
      endpoints: ['/sessions/:id/steps'],
    });
    try {
      const order: string[] = [];
      const submits = Array.from({ length: 50 }, () =>
        frank.api.connect.submit
          .mutate({ sessionId: started.sessionId, stepId, values: { username: 'ana', password: 'sandbox' } })
          .then(
            (value) => {
              order.push('proceeded');
              return value;
            },
            (err: unknown) => {
              order.push('refused');
              throw err;
            },
          ),
      );
      // Give the burst a moment to reach the api before the other user asks for a refresh.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const refresh = grace.api.consents.refresh.mutate({ consentId: graceConsent }).then((value) => {
        order.push('refresh');
        return value;
      });
      const results = await Promise.allSettled(submits);
      expect(await refresh).toMatchObject({ consentId: graceConsent, queued: true });
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused.map(codeOf)).toEqual(refused.map(() => 'CONFLICT'));
      expect(new Set(refused.map(reasonOf))).toEqual(new Set(['SESSION_BUSY']));
      // The refresh did not wait for the bank: it finished while the submission that proceeded
      // was still waiting for the bank's answer (a lock across that call held the pool).
      expect(order.indexOf('refresh')).toBeLessThan(order.indexOf('proceeded'));
    } finally {
      s.h.sandbox?.control.setFaults({ rate: 0 });
    }
    expect(calls('/sessions/:id/steps') - before).toBe(1);
  });

  it('of one tRPC batch of 50 submits on one session one proceeds and 49 are CONFLICT', async () => {
    const henry = await user();
    const started = await henry.api.connect.start.mutate({ skillId: await s.h.skillId(BT) });
    if (started.status !== 'IN_PROGRESS') throw new Error('no step');
    const input = {
      json: {
        sessionId: started.sessionId,
        stepId: started.step.id,
        values: { username: 'ana', password: 'sandbox' },
      },
    };
    const before = calls('/sessions/:id/steps');
    const res = await fetch(`${s.base}/trpc/${Array(50).fill('connect.submit').join(',')}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${henry.token}` },
      body: JSON.stringify(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [i, input]))),
    });
    const items = (await res.json()) as {
      result?: unknown;
      error?: { json: { data: { code: string; reason?: string } } };
    }[];
    expect(items.filter((i) => i.result)).toHaveLength(1);
    // Refused at once because the session is busy, not after waiting for the first one's lock.
    const refused = items.filter((i) => i.error?.json.data.code === 'CONFLICT');
    expect(refused.map((i) => i.error?.json.data.reason)).toEqual(refused.map(() => 'SESSION_BUSY'));
    expect(refused).toHaveLength(49);
    expect(calls('/sessions/:id/steps') - before).toBe(1);
  });

  it('5 wrong bank passwords end the session FAILED; the next submit is a CONFLICT without reaching the bank', async () => {
    const ivan = await user();
    const started = await ivan.api.connect.start.mutate({ skillId: await s.h.skillId(BT) });
    if (started.status !== 'IN_PROGRESS') throw new Error('no step');
    const wrong = () =>
      ivan.api.connect.submit.mutate({
        sessionId: started.sessionId,
        stepId: started.step.id,
        values: { username: 'ana', password: 'not it' },
      });
    for (let i = 0; i < 5; i++)
      await expect(wrong()).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
    expect(await ivan.api.connect.get.query({ sessionId: started.sessionId })).toMatchObject({
      status: 'FAILED',
      failure: 'too_many_wrong_credentials',
    });
    const before = calls('/sessions/:id/steps');
    await expect(
      ivan.api.connect.submit.mutate({
        sessionId: started.sessionId,
        stepId: started.step.id,
        values: { username: 'ana', password: 'sandbox' },
      }),
    ).rejects.toMatchObject({ data: { code: 'CONFLICT', reason: 'SESSION_FAILED' } });
    expect(calls('/sessions/:id/steps')).toBe(before);
  });
});

describe('connect.start limits', () => {
  it('a user has at most 5 open connect sessions, also when 8 are started in parallel', async () => {
    const judy = await user();
    const skillId = await s.h.skillId(BT);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => judy.api.connect.start.mutate({ skillId })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.map(codeOf)).toEqual([
      'PRECONDITION_FAILED',
      'PRECONDITION_FAILED',
      'PRECONDITION_FAILED',
    ]);
    expect(new Set(refused.map(reasonOf))).toEqual(new Set(['TOO_MANY_OPEN_SESSIONS']));
    await expect(judy.api.connect.start.mutate({ skillId })).rejects.toMatchObject({
      data: { code: 'PRECONDITION_FAILED' },
    });
    // Finishing one frees its place.
    const open = results.find((r) => r.status === 'fulfilled');
    if (open?.status !== 'fulfilled' || open.value.status !== 'IN_PROGRESS')
      throw new Error('no open session');
    await judy.api.connect.submit.mutate({
      sessionId: open.value.sessionId,
      stepId: open.value.step.id,
      values: { username: 'ana', password: 'sandbox' },
    });
    const afterFirst = await judy.api.connect.get.query({ sessionId: open.value.sessionId });
    if (afterFirst.status !== 'IN_PROGRESS') throw new Error('no otp step');
    await judy.api.connect.submit.mutate({
      sessionId: open.value.sessionId,
      stepId: afterFirst.step.id,
      values: { otp: '123456' },
    });
    expect((await judy.api.connect.start.mutate({ skillId })).status).toBe('IN_PROGRESS');
  });

  it('connect.start is limited to 10 per user per hour, counted atomically across 20 parallel requests', async () => {
    const kim = await user();
    const other = await user();
    const skillId = await s.h.skillId(BT);
    const limits = s.h.config.connectLimits;
    // Open sessions are not the limit under test here.
    s.h.config.connectLimits = { ...limits, maxOpenSessions: 100 };
    try {
      const before = calls('/sessions');
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => kim.api.connect.start.mutate({ skillId })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused.map(codeOf)).toEqual(refused.map(() => 'TOO_MANY_REQUESTS'));
      expect(refused).toHaveLength(10);
      for (const r of refused) {
        const seconds = (r as PromiseRejectedResult).reason.data.retryAfterSeconds as number;
        expect(seconds).toBeGreaterThan(0);
        expect(seconds).toBeLessThanOrEqual(3600);
      }
      // Only the admitted starts cost a Finqware session; another user is not affected.
      expect(calls('/sessions') - before).toBe(10);
      expect((await other.api.connect.start.mutate({ skillId })).status).toBe('IN_PROGRESS');
    } finally {
      s.h.config.connectLimits = limits;
    }
  });
});
