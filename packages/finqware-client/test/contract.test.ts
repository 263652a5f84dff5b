import { generateKeyPairSync } from 'node:crypto';
import { CATALOG, type RunningSandbox, startSandbox } from '@tenant/finqware-sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogSkill,
  createFinqwareClient,
  type FinqwareClient,
  type FinqwareClientOptions,
  FinqwareError,
  paymentInputData,
} from '../src/index';

/**
 * The client against the sandbox (an independent reading of the same spec): every endpoint, every skill
 * flow of the catalog, every error kind, and request signing.
 */

const KEYS = {
  clientId: '5a1d8c3e-0b7f-4e2a-9d6c-3f8b1e4a7c20',
  clientSecret: 'sbx-secret-9f4e2b7c1a6d',
  clientAppKey: 'MDAxNmxvY2F0aW9uIGZpbnF3YXJlc2FuZGJveA',
};
const REDIRECT = 'https://app.example.com/connect/callback';
const USER = '7d3e2a10-0000-4000-8000-00000000c0de';

let sandbox: RunningSandbox;
let fq: FinqwareClient;
const client = (options: Partial<FinqwareClientOptions> = {}) =>
  createFinqwareClient({
    baseUrl: sandbox.apiUrl,
    ...KEYS,
    retry: { retries: 2, baseDelayMs: 5 },
    ...options,
  });

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 'finqware-client-contract',
    history: { transactionsPerAccount: 300, days: 400 },
  });
  fq = client();
});
afterAll(() => sandbox?.close());
afterEach(() => {
  sandbox.control.setFaults({ rate: 0 });
});

async function failure(promise: Promise<unknown>): Promise<FinqwareError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FinqwareError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** What a user would type into each field of a flow step. */
function fieldValue(field: { name: string; type: string; options?: string[] }): string {
  if (field.options?.length) return field.options[0]!;
  switch (field.name) {
    case 'password':
      return 'sandbox';
    case 'otp':
      return '123456';
    case 'debtor_iban':
      return 'RO03RZBR0000069999999999';
    case 'creditor_iban':
      return 'RO10RZBR0000069999999970';
    case 'amount':
    case 'value':
      return '125.50';
    default:
      return field.type === 'iban' ? 'RO10RZBR0000069999999970' : `test ${field.name}`;
  }
}

/** Runs every step of a skill's flow like a front-end would, and returns the temp_token. */
async function runFlow(api: FinqwareClient, skill: CatalogSkill, options: { deny?: boolean } = {}) {
  const session = await api.sessions.create({ tenantUserId: USER, skill: skill.code });
  expect(session.status).toBe('SESSION_CREATED');
  let nonce = session.nonce;
  for (const [i, step] of skill.flow.entries()) {
    const values = Object.fromEntries(step.fields.map((f) => [f.name, fieldValue(f)]));
    const data =
      step.kind === 'sca'
        ? { psu_redirect_link: REDIRECT }
        : step.kind === 'payment_intent'
          ? { ...values, psu_redirect_link: REDIRECT }
          : values;
    const answer = await api.sessions.submitStep({
      sessionId: session.sessionId,
      nonce,
      skill: skill.code,
      step: step.step,
      data,
    });
    if (step.kind === 'sca' || step.kind === 'payment_intent') {
      expect(answer.redirect?.method).toBe('GET');
      const url = new URL(answer.redirect!.url);
      if (options.deny) url.searchParams.set('deny', '1');
      const bank = await fetch(url, { redirect: 'manual' });
      expect(bank.status).toBe(302);
      const location = new URL(bank.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
      if (options.deny) {
        expect(location.searchParams.get('error')).toBe('access_denied');
        expect(location.searchParams.get('temp_token')).toBeNull();
        return undefined;
      }
      return location.searchParams.get('temp_token')!;
    }
    if (i === skill.flow.length - 1) {
      expect(answer.tempToken).toBeTruthy();
      return answer.tempToken!;
    }
    expect(answer.nonce).toBeTruthy();
    nonce = answer.nonce!;
  }
  throw new Error(`flow of ${skill.code} ended without a temp_token`);
}

async function connect(api: FinqwareClient, code: string) {
  const skill = (await api.catalog.get()).skills.find((s) => s.code === code)!;
  const tempToken = await runFlow(api, skill);
  const token = await api.tokens.exchange({ tempToken: tempToken! });
  return { ...token, tenantUserId: USER };
}

describe('catalog (invented endpoint)', () => {
  it('answers the catalog.json content', async () => {
    const catalog = await fq.catalog.get();
    expect(catalog.skills.map((s) => s.code)).toEqual(CATALOG.skills.map((s) => s.code));
    expect(catalog.servicers).toEqual(CATALOG.servicers);
  });
});

describe('a full flow for every skill of the catalog', () => {
  for (const skill of CATALOG.skills.filter((s) => s.enabled)) {
    it(`${skill.code} (${skill.kind}: ${skill.flow.map((f) => f.kind).join(' → ')})`, async () => {
      const catalogSkill = (await fq.catalog.get()).skills.find((s) => s.code === skill.code)!;
      const tempToken = await runFlow(fq, catalogSkill);
      const token = await fq.tokens.exchange({ tempToken: tempToken! });
      expect(token.credentialsId).toMatch(/^[0-9a-f-]{36}$/);
      expect(token.consentExp).toMatch(/Z$/);
      const consent = await fq.consents.get(token);
      expect(consent).toMatchObject({ credentialsId: token.credentialsId, status: 'ACTIVE' });
      expect(consent.originator.skill).toBe(skill.code);
      expect(consent.tenantAppInfo.clientId).toBe(KEYS.clientId);
      const auth = { ...token, tenantUserId: USER };
      if (skill.kind === 'aisp') {
        const accounts = await fq.accounts.list(auth);
        expect(accounts.length).toBeGreaterThan(0);
        expect(accounts[0]!.iban).toBeTruthy();
      }
      if (skill.kind === 'pisp') {
        const payment = await fq.payments.get(token);
        expect(payment.status).toMatch(/^[A-Z]{4}$/);
      }
      // The temp_token is single-use.
      expect((await failure(fq.tokens.exchange({ tempToken: tempToken! }))).kind).toBe('client');
    });
  }

  it('a denied bank page redirects without a temp_token', async () => {
    const skill = (await fq.catalog.get()).skills.find((s) => s.flow.some((f) => f.kind === 'sca'))!;
    expect(await runFlow(fq, skill, { deny: true })).toBeUndefined();
  });

  it('wrong form input is a client error and the same nonce can be retried', async () => {
    const skill = CATALOG.skills.find((s) => s.code === 'bt_ro_aisp_sbx_#2.0')!;
    const session = await fq.sessions.create({ tenantUserId: USER, skill: skill.code });
    const submit = (password: string) =>
      fq.sessions.submitStep({
        sessionId: session.sessionId,
        nonce: session.nonce,
        skill: skill.code,
        step: 'credentials',
        data: { username: 'alice', password },
      });
    const err = await failure(submit('wrong'));
    expect(err).toMatchObject({
      kind: 'client',
      status: 400,
      error: { type: 'invalid_request', code: 'invalid_input' },
    });
    expect(JSON.stringify(err)).not.toContain(session.nonce);
    expect((await submit('sandbox')).nonce).toBeTruthy();
    // …but once used, it is spent.
    expect((await failure(submit('sandbox'))).kind).toBe('client');
  });
});

describe('data endpoints', () => {
  let auth: Awaited<ReturnType<typeof connect>>;
  beforeAll(async () => {
    auth = await connect(fq, 'rzb_ro_aisp_sbx_#1.0');
  });

  it('accounts, balances (all filters) and transactions (all filters)', async () => {
    const accounts = await fq.accounts.list(auth);
    const account = accounts[0]!;
    expect(account.balances.length).toBeGreaterThan(0);
    const balances = await fq.balances.list(auth);
    expect(balances.length).toBeGreaterThan(0);
    const b = balances[0]!;
    const filtered = await fq.balances.list(auth, {
      accountId: b.accountId,
      type: b.type,
      currency: b.currency,
    });
    expect(
      filtered.every((x) => x.accountId === b.accountId && x.type === b.type && x.currency === b.currency),
    ).toBe(true);
    expect(filtered.map((x) => x.id)).toContain(b.id);

    const all = await fq.transactions.list(auth, { accountId: account.id });
    expect(all.length).toBeGreaterThan(0);
    const sample = all[Math.floor(all.length / 2)]!;
    const exact = await fq.transactions.list(auth, { accountId: account.id, eq: sample.amount });
    expect(exact.length).toBeGreaterThan(0);
    expect(exact.every((t) => t.amount === sample.amount)).toBe(true);
    const range = await fq.transactions.list(auth, { accountId: account.id, gte: '10', lt: '100.00' });
    expect(range.every((t) => Number(t.amount) >= 10 && Number(t.amount) < 100)).toBe(true);
    const debits = await fq.transactions.list(auth, { creditDebitIndicator: 'debit', status: 'booked' });
    expect(debits.every((t) => t.creditDebitIndicator === 'debit' && t.status === 'booked')).toBe(true);
    const window = await fq.transactions.list(auth, {
      bookingDateGte: all[0]!.bookingDateTime,
      bookingDateLt: sample.bookingDateTime,
      currency: account.currency,
    });
    expect(
      window.every(
        (t) => t.bookingDateTime >= all[0]!.bookingDateTime && t.bookingDateTime < sample.bookingDateTime,
      ),
    ).toBe(true);
    const inserted = await fq.transactions.list(auth, { timestampGte: sample.timestamp });
    expect(inserted.length).toBeGreaterThan(0);
  });

  it('pages() by booking_date returns the whole history exactly once', async () => {
    const truth = sandbox.control.truth({ credentialsId: auth.credentialsId });
    const expected = truth.consents[0]!.accounts.reduce((n, a) => n + a.transactionCount, 0);
    const ids: string[] = [];
    let pages = 0;
    for await (const page of fq.transactions.pages(auth, { by: 'booking_date', targetPageSize: 100 })) {
      ids.push(...page.items.map((t) => t.id));
      pages++;
    }
    expect(ids).toHaveLength(expected);
    expect(new Set(ids).size).toBe(expected);
    expect(pages).toBeGreaterThan(1);
  });

  it('pages() by timestamp picks up rows inserted after the cursor', async () => {
    const first: string[] = [];
    let resume: { after?: string } = {};
    for await (const page of fq.transactions.pages(auth, {
      by: 'timestamp',
      after: '2000-01-01T00:00:00Z',
    })) {
      first.push(...page.items.map((t) => t.id));
      resume = page.resume;
    }
    expect(first.length).toBe((await fq.transactions.list(auth)).length);
    sandbox.control.advanceClock({ advanceDays: 20 });
    const later: string[] = [];
    for await (const page of fq.transactions.pages(auth, { by: 'timestamp', after: resume.after! })) {
      later.push(...page.items.map((t) => t.id));
    }
    const expected = (await fq.transactions.list(auth, { timestampGte: resume.after! })).map((t) => t.id);
    expect(later.sort()).toEqual(expected.sort());
    expect(later.some((id) => !first.includes(id))).toBe(true);
  });
});

describe('payments: the §3.8 object the client builds is the payment the sandbox bank makes', () => {
  async function pay(amount: string) {
    const skill = 'bt_ro_pisp_sbx_#1.0';
    const session = await fq.sessions.create({ tenantUserId: USER, skill });
    const endToEndId = `e2e${Date.now()}${amount.replace('.', '')}`;
    const answer = await fq.sessions.submitStep({
      sessionId: session.sessionId,
      nonce: session.nonce,
      skill,
      step: 'payment_intent',
      data: paymentInputData({
        psuRedirectLink: REDIRECT,
        paymentInfoId: 'pi-contract',
        endToEndId,
        debtor: { iban: 'RO03RZBR0000069999999999', currency: 'RON' },
        creditor: { name: 'Ion Popescu', iban: 'RO10RZBR0000069999999970' },
        amount,
        currency: 'RON',
        remittance: 'Invoice 7',
      }),
    });
    const bank = await fetch(answer.redirect!.url, { redirect: 'manual' });
    const tempToken = new URL(bank.headers.get('location')!).searchParams.get('temp_token')!;
    const made = sandbox.control.truth().payments.find((p) => p.endToEndId === endToEndId);
    return { token: await fq.tokens.exchange({ tempToken }), made };
  }

  it('initiates, and reads the status back with payments.get', async () => {
    const { token, made } = await pay('99.95');
    expect(made).toMatchObject({ amount: '99.95', currency: 'RON', creditorName: 'Ion Popescu' });
    const payment = await fq.payments.get(token);
    expect(payment).toMatchObject({ paymentId: made?.paymentId, status: 'ACTC' });
    expect(payment.statusReason).toBeUndefined();
  });

  it('surfaces the reason of a rejection', async () => {
    sandbox.control.setFaults({ rate: 0, paymentRejectRate: 1 });
    const { token } = await pay('10.00');
    sandbox.control.advanceClock({ advanceMinutes: 5 });
    expect(await fq.payments.get(token)).toMatchObject({ status: 'RJCT', statusReason: 'AM04' });
  });

  it('refuses an amount that is not a positive decimal string before sending anything', () => {
    const base = {
      psuRedirectLink: REDIRECT,
      paymentInfoId: 'p',
      endToEndId: 'e',
      debtor: { iban: 'x' },
      creditor: { name: 'n', iban: 'y' },
      currency: 'RON',
    };
    expect(() => paymentInputData({ ...base, amount: '0.00' })).toThrow(/amount/);
    expect(() => paymentInputData({ ...base, amount: '1e3' })).toThrow(/amount/);
    expect(() => paymentInputData({ ...base, amount: '1', endToEndId: 'x'.repeat(36) })).toThrow(
      /endToEndId/,
    );
  });
});

describe('error kinds against the sandbox', () => {
  it('consent: deleted and expired consents; delete is idempotent', async () => {
    const deleted = await connect(fq, 'ing_ro_aisp_sbx_#2.0');
    expect(await fq.consents.delete({ ...deleted, pcdDataRetention: 0 })).toMatchObject({
      credentialsId: deleted.credentialsId,
      clientId: KEYS.clientId,
    });
    expect(await fq.consents.delete(deleted)).toMatchObject({ credentialsId: deleted.credentialsId });
    expect((await fq.consents.get(deleted)).status).toBe('DELETED');
    const err = await failure(fq.accounts.list(deleted));
    expect(err).toMatchObject({ kind: 'consent', error: { code: 'inactive_credentials' } });
    expect(JSON.stringify(err)).not.toContain(deleted.accessToken);

    const expired = await connect(fq, 'ing_ro_aisp_sbx_#2.0');
    sandbox.control.expireConsent({ credentialsId: expired.credentialsId });
    expect((await failure(fq.transactions.list(expired))).kind).toBe('consent');
    expect((await failure(fq.accounts.list({ ...expired, accessToken: 'MDAx-wrong' }))).kind).toBe('consent');
  });

  it('rate_limit: 429 with Retry-After', async () => {
    const auth = await connect(fq, 'ing_ro_aisp_sbx_#2.0');
    sandbox.control.setFaults({ rate: 1, kinds: ['429'], retryAfterSeconds: 7 });
    const err = await failure(client({ retry: false }).accounts.list(auth));
    expect(err).toMatchObject({ kind: 'rate_limit', status: 429, retryAfterMs: 7000 });
  });

  it('transient: 500/502/503, a hang (timeout) and a truncated body', async () => {
    const auth = await connect(fq, 'ing_ro_aisp_sbx_#2.0');
    const once = client({ retry: false, timeoutMs: 300 });
    for (const kind of ['500', '502', '503', 'hang', 'truncated', 'malformed'] as const) {
      sandbox.control.setFaults({ rate: 1, kinds: [kind] });
      const err = await failure(once.balances.list(auth));
      expect(err.kind, kind).toBe('transient');
    }
  });

  it('client: bad keys and bad input', async () => {
    expect((await failure(client({ clientSecret: 'nope-not-it' }).catalog.get())).kind).toBe('client');
    const err = await failure(fq.sessions.create({ tenantUserId: USER, skill: 'not a skill' }));
    expect(err).toMatchObject({ kind: 'client', error: { code: 'invalid_skill_name' } });
    expect(
      (
        await failure(
          client({ clientAppKey: 'MDAx-wrong-key' }).sessions.create({
            tenantUserId: USER,
            skill: 'ing_ro_aisp_sbx_#2.0',
          }),
        )
      ).kind,
    ).toBe('client');
  });

  it('protocol: a well-formed answer that breaks the schema', async () => {
    // The sandbox has no fault for a well-formed but wrong body, so alter its real answer on the way in.
    const lying = createFinqwareClient({
      baseUrl: sandbox.apiUrl,
      ...KEYS,
      fetch: async (input, init) => {
        const res = await fetch(String(input), init);
        const body = (await res.json()) as { skills: unknown[] };
        return new Response(JSON.stringify({ ...body, skills: 'none' }), { status: res.status });
      },
    });
    expect((await failure(lying.catalog.get())).kind).toBe('protocol');
  });

  it('reads succeed under 20% random faults thanks to retries', async () => {
    const auth = await connect(fq, 'ing_ro_aisp_sbx_#2.0');
    sandbox.control.resetStats();
    sandbox.control.setFaults({ rate: 0.2, latencyMs: 50, retryAfterSeconds: 0 });
    const chaos = client({ timeoutMs: 500, retry: { retries: 6, baseDelayMs: 5, maxDelayMs: 50 } });
    for (let i = 0; i < 30; i++) {
      await chaos.accounts.list(auth);
      await chaos.transactions.list(auth, { status: 'booked' });
    }
    const faults = Object.values(sandbox.control.stats().faults).reduce((a, b) => a + b, 0);
    expect(faults).toBeGreaterThan(5);
  });
});

describe('request signing on /v1s', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const registered = {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: 'sandbox-key-1',
    serviceAccountEmail: 'tenant@tenant-project.iam.gserviceaccount.com',
  };
  const signingKey = {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    keyId: registered.keyId,
    serviceAccountEmail: registered.serviceAccountEmail,
  };
  beforeAll(() => sandbox.control.setSigning(registered));
  afterAll(() => sandbox.control.setSigning(null));

  it('the sandbox accepts signed calls, non-ASCII bodies included, across a whole flow', async () => {
    const signed = client({ baseUrl: sandbox.signedApiUrl, signingKey });
    const skill = (await signed.catalog.get()).skills.find((s) => s.code === 'erste_hr_aisp_sbx_#1.0')!;
    const session = await signed.sessions.create({ tenantUserId: USER, skill: skill.code });
    const first = await signed.sessions.submitStep({
      sessionId: session.sessionId,
      nonce: session.nonce,
      skill: skill.code,
      step: 'psu_identification',
      data: { psu_id: 'Ștefan Ţăranu — 😀' },
    });
    expect(first.nonce).toBeTruthy();
    const token = await connect(signed, 'ing_ro_aisp_sbx_#2.0');
    expect((await signed.accounts.list(token)).length).toBeGreaterThan(0);
    expect((await signed.transactions.list(token, { gte: '0.01' })).length).toBeGreaterThan(0);
    expect((await signed.consents.get(token)).status).toBe('ACTIVE');
  });

  it('a signature by the wrong key is rejected', async () => {
    const forged = client({
      baseUrl: sandbox.signedApiUrl,
      signingKey: {
        ...signingKey,
        privateKeyPem: other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
    const err = await failure(forged.catalog.get());
    expect(err).toMatchObject({ kind: 'client', status: 401, error: { type: 'unauthorized' } });
  });

  it('a body altered after signing is rejected (digest)', async () => {
    const tampering = client({
      baseUrl: sandbox.signedApiUrl,
      signingKey,
      fetch: (input, init) => fetch(input, { ...init, body: String(init?.body).replace('{', '{ ') }),
    });
    expect((await failure(tampering.catalog.get())).status).toBe(401);
  });

  it('an unsigned call on /v1s is rejected', async () => {
    const err = await failure(client({ baseUrl: sandbox.signedApiUrl }).catalog.get());
    expect(err.kind).toBe('client');
    expect(err.error?.code).toBe('invalid_headers');
  });
});
