import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../src/index';
import { consentAuth, createSession, exchange, expectError, post, REDIRECT, submitStep } from './helpers';

const SKILL = 'rzb_ro_pisp_sbx_#1.0';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ seed: 'payments', clock: { now: '2025-06-01T12:00:00Z' } });
});
afterAll(() => sb.close());
beforeEach(() => sb.control.reset());

/** The payment input data object of spec §3.8, one credit transfer. */
function intent(
  overrides: { amount?: string; currency?: string; creditorIban?: string; date?: string } = {},
) {
  return {
    psu_redirect_link: REDIRECT,
    payment_info: [
      {
        payment_info_id: 'pi-1',
        ...(overrides.date ? { requested_execution_date: overrides.date } : {}),
        debtor_account: { iban: 'RO03RZBR0000069999999999', currency: 'RON' },
        credit_transfer_transactions: [
          {
            end_to_end_id: 'e2e-1',
            instructed_amount: {
              amount: overrides.amount ?? '1234.50',
              currency: overrides.currency ?? 'RON',
            },
            creditor: { name: 'Ion Popescu' },
            creditor_account: { iban: overrides.creditorIban ?? 'RO10RZBR0000069999999970' },
            remittance_information_unstructured: 'Invoice 42',
          },
        ],
      },
    ],
  };
}

async function startPayment(tenantUserId: string, data: unknown = intent()) {
  const s = await createSession(sb, SKILL, tenantUserId);
  const step = await submitStep(sb, s.body.session_id, {
    nonce: s.body.nonce,
    skill: SKILL,
    step: 'payment_intent',
    data,
  });
  return { session: s.body, step };
}

async function bank(url: string, deny = false) {
  const u = new URL(url);
  if (deny) u.searchParams.set('deny', '1');
  const response = await fetch(u, { redirect: 'manual' });
  return { status: response.status, location: response.headers.get('location') };
}

async function approveAndExchange(tenantUserId: string) {
  const { step } = await startPayment(tenantUserId);
  const { location } = await bank(step.body.data.url);
  const tempToken = new URL(location ?? '').searchParams.get('temp_token') ?? '';
  const pair = (await exchange(sb, tempToken)).body;
  return { credentialsId: pair.credentials_id, accessToken: pair.access_token, tenantUserId };
}

describe('payments', () => {
  it('a payment is made when the PSU approves it at the bank, before any token exchange', async () => {
    const { step } = await startPayment('payer-1');
    expect(step.status).toBe(200);
    expect(sb.control.truth().payments).toEqual([]);
    const { location } = await bank(step.body.data.url);
    expect(location).toContain('temp_token=');
    const [made] = sb.control.truth().payments;
    expect(made).toMatchObject({
      tenantUserId: 'payer-1',
      skill: SKILL,
      status: 'ACTC',
      amount: '1234.50',
      currency: 'RON',
      debtorIban: 'RO03RZBR0000069999999999',
      creditorIban: 'RO10RZBR0000069999999970',
      creditorName: 'Ion Popescu',
      endToEndId: 'e2e-1',
      createdAt: '2025-06-01T12:00:00Z',
    });
    expect(made?.credentialsId).toBeUndefined();
  });

  it('advances ACTC → ACSP → ACSC with the sandbox clock, readable through payments/get', async () => {
    const pair = await approveAndExchange('payer-2');
    const read = async () => (await post(sb.apiUrl, '/payments/get', consentAuth(pair))).body.result;
    expect(await read()).toMatchObject({ status: 'ACTC', credentials_id: pair.credentialsId });
    sb.control.advanceClock({ advanceMinutes: 5 });
    expect(await read()).toMatchObject({ status: 'ACSP', utc_last_update: '2025-06-01T12:05:00Z' });
    sb.control.advanceClock({ advanceMinutes: 24 * 60 - 6 });
    expect((await read()).status).toBe('ACSP');
    sb.control.advanceClock({ advanceMinutes: 1 });
    const settled = await read();
    expect(settled).toMatchObject({ status: 'ACSC', utc_last_update: '2025-06-02T12:00:00Z' });
    expect(settled.data.payment_info[0].credit_transfer_transactions[0].instructed_amount).toEqual({
      amount: '1234.50',
      currency: 'RON',
    });
    expect(sb.control.truth().payments).toMatchObject([
      { status: 'ACSC', credentialsId: pair.credentialsId },
    ]);
  });

  it('settles on the requested execution date when it is later than a day', async () => {
    const { step } = await startPayment('payer-dated', intent({ date: '2025-06-05' }));
    await bank(step.body.data.url);
    sb.control.advanceClock({ advanceDays: 3 });
    expect(sb.control.truth().payments[0]?.status).toBe('ACSP');
    sb.control.advanceClock({ advanceDays: 1 });
    expect(sb.control.truth().payments[0]).toMatchObject({ status: 'ACSC', executionDate: '2025-06-05' });
  });

  it('a denial at the bank makes no payment', async () => {
    const { step } = await startPayment('payer-3');
    const { location } = await bank(step.body.data.url, true);
    expect(location).toContain('error=access_denied');
    expect(sb.control.truth().payments).toEqual([]);
  });

  it('the bank rejects a payment after approval when the paymentRejectRate fault says so', async () => {
    sb.control.setFaults({ rate: 0, paymentRejectRate: 1 });
    const pair = await approveAndExchange('payer-4');
    const read = async () => (await post(sb.apiUrl, '/payments/get', consentAuth(pair))).body.result;
    expect((await read()).status).toBe('ACTC');
    sb.control.advanceClock({ advanceMinutes: 5 });
    expect(await read()).toMatchObject({ status: 'RJCT', status_reason: 'AM04' });
    sb.control.advanceClock({ advanceDays: 2 });
    expect((await read()).status).toBe('RJCT');
    expect(sb.control.truth().payments).toMatchObject([{ status: 'RJCT', statusReason: 'AM04' }]);
  });

  it('faults can target one endpoint: payments/get fails while the rest answers', async () => {
    const pair = await approveAndExchange('payer-5');
    sb.control.setFaults({ rate: 1, kinds: ['503'], endpoints: ['/payments/get'] });
    expectError(await post(sb.apiUrl, '/payments/get', consentAuth(pair)), 503, 'planned_maintenance');
    expect((await post(sb.apiUrl, '/consents/get', consentAuth(pair))).status).toBe(200);
  });

  it('refuses what a bank would refuse, and the nonce stays valid for a corrected retry', async () => {
    const s = await createSession(sb, SKILL, 'payer-6');
    const submit = (data: unknown) =>
      submitStep(sb, s.body.session_id, { nonce: s.body.nonce, skill: SKILL, step: 'payment_intent', data });
    const cases: [string, unknown][] = [
      ['three decimals', intent({ amount: '10.001' })],
      ['zero', intent({ amount: '0.00' })],
      ['negative', intent({ amount: '-5' })],
      ['a currency the bank does not offer', intent({ currency: 'USD' })],
      ['a wrong check digit', intent({ creditorIban: 'RO11RZBR0000069999999970' })],
      ['an execution date in the past', intent({ date: '2025-05-01' })],
      ['a bulk payment', { ...intent(), payment_info: [intent().payment_info[0], intent().payment_info[0]] }],
      [
        'no credit transfer',
        { ...intent(), payment_info: [{ debtor_account: { iban: 'RO03RZBR0000069999999999' } }] },
      ],
    ];
    for (const [why, data] of cases) {
      const r = await submit(data);
      expect(r.status, why).toBe(400);
      expect(r.body.code, why).toBe('invalid_input');
    }
    expectError(await submit({ ...intent(), psu_redirect_link: undefined }), 400, 'missing_fields');
    const ok = await submit(intent());
    expect(ok.status).toBe(200);
    expect(ok.body.data.url).toContain('/bank/rzb_ro/authorize');
  });

  it('a bank link works once and for 30 minutes of sandbox time', async () => {
    const first = await startPayment('payer-7');
    sb.control.advanceClock({ advanceMinutes: 30 });
    expect((await bank(first.step.body.data.url)).status).toBe(400);
    const second = await startPayment('payer-7');
    expect((await bank(second.step.body.data.url)).status).toBe(302);
    expect((await bank(second.step.body.data.url)).status).toBe(400);
    expect(sb.control.truth().payments).toHaveLength(1);
  });

  it('truth for one consent lists its payment only', async () => {
    const a = await approveAndExchange('payer-8');
    await approveAndExchange('payer-9');
    const overHttp = (await (await fetch(`${sb.url}/_sandbox/truth?summary=1`)).json()) as {
      payments: { tenantUserId: string }[];
    };
    expect(overHttp.payments.map((p: { tenantUserId: string }) => p.tenantUserId)).toEqual([
      'payer-8',
      'payer-9',
    ]);
    const one = sb.control.truth({ credentialsId: a.credentialsId });
    expect(one.payments.map((p) => p.tenantUserId)).toEqual(['payer-8']);
    expect(sb.control.truth().payments.map((p) => p.tenantUserId)).toEqual(['payer-8', 'payer-9']);
  });
});
