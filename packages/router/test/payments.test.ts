import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorDetails } from '../src/errors';
import { finishPaymentReturn } from '../src/modules/payments/complete-payment';
import { claimInitiation } from '../src/modules/payments/payments.repository';
import { paymentDeps } from '../src/modules/payments/payments.router';
import { flowDeps } from '../src/routers/connect';
import { recordBankReturn } from '../src/services/bank-return';
import { createAccount, createConsent } from '../src/testing/fixtures';
import { createHarness, type Harness, type SignedUpUser } from '../src/testing/harness';
import { sql } from '../src/testing/sql';
import { rejection } from './rejection';

let h: Harness;
let skillId: string;

beforeAll(async () => {
  h = await createHarness({ sandbox: { seed: 'router-payments', clock: { now: '2026-11-30T12:00:00Z' } } });
  skillId = await h.skillId('rzb_ro_pisp_sbx_#1.0');
});
afterAll(() => h?.close());
afterEach(() => h.sandbox?.control.setFaults({ rate: 0 }));

const sandbox = () => {
  if (!h.sandbox) throw new Error('no sandbox');
  return h.sandbox.control;
};

function order(overrides: Record<string, unknown> = {}) {
  return {
    skillId,
    debtorIban: 'RO03 RZBR 0000 0699 9999 9999',
    creditor: { name: 'Ion Popescu', iban: 'ro10rzbr0000069999999970' },
    amount: '150.25',
    currency: 'RON',
    remittance: 'Invoice 42',
    idempotencyKey: randomUUID(),
    ...overrides,
  };
}

/**
 * Plays the browser: the bank page, the bank's redirect into our callback (which records the
 * bank's token), then the payment's page, whose owner's payments.get finishes the authorisation.
 */
async function atBank(redirectUrl: string | null, options: { deny?: boolean } = {}) {
  const url = new URL(redirectUrl ?? '');
  if (options.deny) url.searchParams.set('deny', '1');
  const response = await fetch(url, { redirect: 'manual' });
  const location = new URL(response.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(`${h.config.apiPublicUrl}/connect/callback`);
  const outcome = await recordBankReturn(flowDeps(h.context()), {
    sessionId: location.searchParams.get('session') ?? '',
    tempToken: location.searchParams.get('temp_token') ?? undefined,
    error: location.searchParams.get('error') ?? undefined,
  });
  if (outcome.paymentId && outcome.status === 'returned') {
    const owner = await sql(h.em()).one<{ user_id: string }>('select user_id from payments where id = ?', [
      outcome.paymentId,
    ]);
    await finishPaymentReturn(paymentDeps(h.context()), owner?.user_id ?? '', outcome.paymentId);
  }
  return outcome;
}

const paymentsOf = (tenantUserId: string) =>
  sandbox()
    .truth()
    .payments.filter((p) => p.tenantUserId === tenantUserId);
const sessionsCreated = () => sandbox().stats().byEndpoint['POST /v1/sessions']?.total ?? 0;
const rowCount = async (table: string) =>
  Number((await sql(h.em()).one<{ n: string }>(`select count(*)::text as n from ${table}`))?.n);

async function tenantUserId(user: SignedUpUser) {
  const row = await sql(h.em()).one<{ tenant_user_id: string }>(
    'select tenant_user_id from users where id = ?',
    [user.user.id],
  );
  return row?.tenant_user_id ?? '';
}

describe('payments.initiate → the bank → the callback', () => {
  it('sends the payment to the bank once, and the bank redirect makes it AUTHORISED with its first poll queued', async () => {
    const user = await h.signUp();
    const initiated = await user.api.payments.initiate(order());
    expect(initiated).toMatchObject({
      status: 'PENDING',
      amount: '150.25',
      currency: 'RON',
      debtor: { accountId: null, iban: 'RO03RZBR0000069999999999' },
      creditor: { name: 'Ion Popescu', iban: 'RO10RZBR0000069999999970' },
      remittance: 'Invoice 42',
      skill: { code: 'rzb_ro_pisp_sbx_#1.0' },
      events: [],
    });
    expect(initiated.redirectUrl).toContain('/bank/rzb_ro/authorize');
    expect(JSON.stringify(initiated)).not.toMatch(/nonce|temp_?token|access_?token|credentials_?id/i);
    expect(paymentsOf(await tenantUserId(user))).toEqual([]);

    expect(await atBank(initiated.redirectUrl)).toMatchObject({
      status: 'returned',
      paymentId: initiated.id,
    });
    const authorised = await user.api.payments.get({ paymentId: initiated.id });
    expect(authorised).toMatchObject({ status: 'AUTHORISED', redirectUrl: null });
    expect(authorised.events.map((e) => e.status)).toEqual(['AUTHORISED']);
    expect(authorised.authorisedAt).toBeInstanceOf(Date);

    const made = paymentsOf(await tenantUserId(user));
    expect(made).toMatchObject([
      {
        amount: '150.25',
        currency: 'RON',
        creditorName: 'Ion Popescu',
        endToEndId: initiated.id.replaceAll('-', ''),
      },
    ]);
    const jobs = await sql(h.em()).all<{ data: { paymentId: string } }>(
      `select data from pgboss.job where name = 'payment-status' and singleton_key = ?`,
      [initiated.id],
    );
    expect(jobs.map((j) => j.data)).toEqual([{ paymentId: initiated.id }]);

    // The payment consent's pair is stored through the vault only.
    const row = await sql(h.em()).one<Record<string, unknown>>('select * from payments where id = ?', [
      initiated.id,
    ]);
    const credentialsId = made[0]?.credentialsId ?? '';
    expect(credentialsId).not.toBe('');
    expect(JSON.stringify(row)).not.toContain(credentialsId);
    expect(String(row?.credentials_id_enc)).toMatch(/^v1\./);

    // A reload of the callback page changes nothing.
    expect(await user.api.payments.get({ paymentId: initiated.id })).toEqual(authorised);
  });

  it('a denial at the bank makes the payment REJECTED (denied_at_bank) and pays nothing', async () => {
    const user = await h.signUp();
    const initiated = await user.api.payments.initiate(order());
    expect(await atBank(initiated.redirectUrl, { deny: true })).toMatchObject({
      status: 'failed',
      reason: 'denied_at_bank',
    });
    expect(await user.api.payments.get({ paymentId: initiated.id })).toMatchObject({
      status: 'REJECTED',
      statusReason: 'denied_at_bank',
      redirectUrl: null,
    });
    expect(paymentsOf(await tenantUserId(user))).toEqual([]);
  });

  it("a token brought to another user's session authorises its own payment, never that session's", async () => {
    const alice = await h.signUp();
    const bob = await h.signUp();
    const alicePays = await alice.api.payments.initiate(order());
    const bobPays = await bob.api.payments.initiate(order({ amount: '1.00' }));
    // Alice approves at her bank; her token is then replayed into Bob's payment session.
    const bank = await fetch(alicePays.redirectUrl ?? '', { redirect: 'manual' });
    const tempToken = new URL(bank.headers.get('location') ?? '').searchParams.get('temp_token') ?? '';
    const bobSession = (
      await sql(h.em()).one<{ session_id: string }>('select session_id from payments where id = ?', [
        bobPays.id,
      ])
    )?.session_id;
    const outcome = await recordBankReturn(flowDeps(h.context()), {
      sessionId: bobSession ?? '',
      tempToken,
    });
    expect(outcome).toMatchObject({ status: 'returned', paymentId: bobPays.id });
    // Bob's own payments.get exchanges the token: it stands for Alice's payment, so Bob's stays unpaid.
    const bobs = await bob.api.payments.get({ paymentId: bobPays.id });
    expect((await alice.api.payments.get({ paymentId: alicePays.id })).status).toBe('AUTHORISED');
    expect(bobs).toMatchObject({ status: 'PENDING' });
    expect(bobs.redirectUrl).toBe(bobPays.redirectUrl);
    expect(paymentsOf(await tenantUserId(bob))).toEqual([]);
    expect(paymentsOf(await tenantUserId(alice))).toHaveLength(1);
  });

  it('a payment skill is not a connect flow: connect.start points to payments.initiate', async () => {
    const user = await h.signUp();
    const err = await rejection(user.api.connect.start({ skillId }));
    expect(err.code).toBe('PRECONDITION_FAILED');
    expect((err.cause as ErrorDetails).reason).toBe('USE_PAYMENTS');
  });
});

describe('exactly once', () => {
  it('the same key returns the same payment and never starts a second Finqware session', async () => {
    const user = await h.signUp();
    const input = order();
    const before = sessionsCreated();
    const first = await user.api.payments.initiate(input);
    const again = await user.api.payments.initiate(input);
    expect(again.id).toBe(first.id);
    expect(again.redirectUrl).toBe(first.redirectUrl);
    expect(sessionsCreated() - before).toBe(1);
    // The key is the user's: another user's identical key is another payment.
    const other = await h.signUp();
    expect((await other.api.payments.initiate(input)).id).not.toBe(first.id);
  });

  it('of 12 concurrent calls with one key, one creates the payment and all answer it', async () => {
    const user = await h.signUp();
    const input = order();
    const before = sessionsCreated();
    const results = await Promise.all(Array.from({ length: 12 }, () => user.api.payments.initiate(input)));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.redirectUrl)).size).toBe(1);
    expect(sessionsCreated() - before).toBe(1);
    expect((await user.api.payments.list()).items).toHaveLength(1);
    await atBank(results[0]?.redirectUrl ?? null);
    expect(paymentsOf(await tenantUserId(user))).toHaveLength(1);
  });

  it('a used key with a different body is a CONFLICT and changes nothing', async () => {
    const user = await h.signUp();
    const input = order();
    const first = await user.api.payments.initiate(input);
    for (const changed of [
      { amount: '150.26' },
      { creditor: { name: 'Someone else', iban: input.creditor.iban } },
    ]) {
      const err = await rejection(user.api.payments.initiate({ ...input, ...changed }));
      expect(err.code).toBe('CONFLICT');
      expect((err.cause as ErrorDetails).reason).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    // The same payment written differently (spaces in an IBAN, a trailing zero) is the same body.
    const same = await user.api.payments.initiate({
      ...input,
      amount: '150.250',
      debtorIban: 'RO03RZBR0000069999999999',
    });
    expect(same.id).toBe(first.id);
  });

  it('when the bank answer to the payment step is lost, the retry starts a new session and only its link is ever shown', async () => {
    const user = await h.signUp();
    const input = order();
    // The step takes effect at the bank (its authorisation page exists) but the answer never arrives.
    sandbox().setFaults({ rate: 1, kinds: ['truncated'], endpoints: ['/sessions/:id/steps'] });
    const failed = await rejection(user.api.payments.initiate(input));
    expect(['SERVICE_UNAVAILABLE', 'BAD_GATEWAY']).toContain(failed.code);
    const [pending] = (await user.api.payments.list()).items;
    expect(pending).toMatchObject({ status: 'PENDING', redirectUrl: null });

    sandbox().setFaults({ rate: 0 });
    const retried = await user.api.payments.initiate(input);
    expect(retried.id).toBe(pending?.id);
    expect(retried.redirectUrl).toContain('/bank/rzb_ro/authorize');
    await atBank(retried.redirectUrl);
    expect(paymentsOf(await tenantUserId(user))).toHaveLength(1);
    expect((await user.api.payments.get({ paymentId: retried.id })).status).toBe('AUTHORISED');
  });

  it('an initiation left half-done by a crashed api is taken over once its lease lapses', async () => {
    const user = await h.signUp();
    const input = order();
    // A first call recorded the payment and took the lease, then its process died.
    const [created] = await Promise.all([
      (async () => {
        sandbox().setFaults({ rate: 1, kinds: ['503'], endpoints: ['/sessions'] });
        const err = await rejection(user.api.payments.initiate(input));
        sandbox().setFaults({ rate: 0 });
        return err;
      })(),
    ]);
    expect(created.code).toBe('SERVICE_UNAVAILABLE');
    const row = await sql(h.em()).one<{ id: string }>('select id from payments where idempotency_key = ?', [
      input.idempotencyKey,
    ]);
    const paymentId = row?.id ?? '';
    expect(await claimInitiation(h.em(), paymentId, 2)).toBeGreaterThan(0);

    const started = Date.now();
    const retried = await user.api.payments.initiate(input);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(retried).toMatchObject({ id: paymentId, status: 'PENDING' });
    expect(retried.redirectUrl).toContain('/bank/rzb_ro/authorize');
  });
});

/** The fields a BAD_REQUEST names: zod's issues (input validation) or ours (ErrorDetails). */
function issuePaths(err: { cause?: unknown }): string[] {
  const issues =
    (err.cause as { issues?: { path: string | (string | number)[] }[] } | undefined)?.issues ?? [];
  return issues.map((i) => (Array.isArray(i.path) ? i.path.join('.') : i.path));
}

describe('validation: nothing is stored or sent for a bad order', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    [
      'a creditor IBAN with a wrong check digit',
      { creditor: { name: 'X', iban: 'RO11RZBR0000069999999970' } },
      'creditor.iban',
    ],
    ['a debtor IBAN too short for its country', { debtorIban: 'RO03RZBR000006999999999' }, 'debtorIban'],
    ['a negative amount', { amount: '-1.00' }, 'amount'],
    ['a zero amount', { amount: '0.00' }, 'amount'],
    ['more decimals than the currency has', { amount: '1.001', currency: 'EUR' }, 'amount'],
    ['an amount as a number', { amount: 150.25 }, 'amount'],
    ['a currency that is not one', { currency: 'XAU' }, 'currency'],
    ['a currency the bank does not take', { currency: 'USD' }, 'currency'],
    ['both debtor fields', { debtorAccountId: randomUUID() }, 'debtorAccountId'],
    ['an execution date in the past', { executionDate: '2020-01-01' }, 'executionDate'],
    ['a short idempotency key', { idempotencyKey: 'abc' }, 'idempotencyKey'],
  ];
  for (const [what, change, field] of cases) {
    it(`${what} → BAD_REQUEST naming ${field}`, async () => {
      const user = await h.signUp();
      const [payments, sessions] = [await rowCount('payments'), sessionsCreated()];
      const err = await rejection(user.api.payments.initiate(order(change) as never));
      expect(err.code).toBe('BAD_REQUEST');
      expect(issuePaths(err)).toContain(field);
      expect([await rowCount('payments'), sessionsCreated()]).toEqual([payments, sessions]);
    });
  }

  it('a debtor account of another user is NOT_FOUND; one at another bank is BAD_REQUEST', async () => {
    const owner = await h.signUp();
    const caller = await h.signUp();
    const btAccount = await createAccount(h, owner.user.id, await createConsent(h, owner.user.id));
    const foreign = await rejection(
      caller.api.payments.initiate(order({ debtorIban: undefined, debtorAccountId: btAccount })),
    );
    expect(foreign.code).toBe('NOT_FOUND');
    const otherBank = await rejection(
      owner.api.payments.initiate(order({ debtorIban: undefined, debtorAccountId: btAccount })),
    );
    expect(otherBank.code).toBe('BAD_REQUEST');
    expect((otherBank.cause as ErrorDetails).issues?.[0]?.path).toBe('debtorAccountId');
    const rzbAccount = await createAccount(
      h,
      owner.user.id,
      await createConsent(h, owner.user.id, 'rzb_ro_aisp_sbx_#1.0'),
      { iban: 'RO03RZBR0000069999999999' },
    );
    const paid = await owner.api.payments.initiate(
      order({ debtorIban: undefined, debtorAccountId: rzbAccount }),
    );
    expect(paid.debtor).toEqual({ accountId: rzbAccount, iban: 'RO03RZBR0000069999999999' });
  });

  it('an account-information skill is not a payment skill', async () => {
    const user = await h.signUp();
    const err = await rejection(
      user.api.payments.initiate(order({ skillId: await h.skillId('rzb_ro_aisp_sbx_#1.0') })),
    );
    expect(err.code).toBe('BAD_REQUEST');
    expect((err.cause as ErrorDetails).issues?.[0]?.path).toBe('skillId');
  });
});

describe('payments.get and payments.list', () => {
  it("another user's payment id is NOT_FOUND, like a missing one", async () => {
    const owner = await h.signUp();
    const other = await h.signUp();
    const { id } = await owner.api.payments.initiate(order());
    expect((await rejection(other.api.payments.get({ paymentId: id }))).code).toBe('NOT_FOUND');
    expect((await rejection(other.api.payments.get({ paymentId: randomUUID() }))).code).toBe('NOT_FOUND');
    expect((await other.api.payments.list()).items).toEqual([]);
  });

  it('pages newest first with a keyset cursor, and filters by status', async () => {
    const user = await h.signUp();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await user.api.payments.initiate(order({ amount: `${i + 1}.00` }))).id);
    const denied = await user.api.payments.get({ paymentId: ids[1] ?? '' });
    await atBank(denied.redirectUrl, { deny: true });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await user.api.payments.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((p) => p.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    expect((await user.api.payments.list({ status: 'REJECTED' })).items.map((p) => p.id)).toEqual([ids[1]]);
    const forged = await rejection(
      user.api.payments.list({ cursor: Buffer.from('["x","y"]').toString('base64url') }),
    );
    expect(forged.code).toBe('BAD_REQUEST');
  });
});
