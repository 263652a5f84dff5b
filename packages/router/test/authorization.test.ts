import { randomUUID } from 'node:crypto';
import { db } from '@tenant/domain';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../src/root';
import { createAccount, createConsent, insertBalance, insertTransactions } from '../src/testing/fixtures';
import { createHarness, type Harness } from '../src/testing/harness';

type Api = Awaited<ReturnType<Harness['signUp']>>['api'];
type Ids = {
  consent: string;
  account: string;
  session: string;
  step: string;
  payment: string;
  /** Shared catalog, not owned: the same in the foreign and the missing call. */
  paymentSkill: string;
};

const payFrom = (ids: Ids) => ({
  skillId: ids.paymentSkill,
  debtorAccountId: ids.account,
  creditor: { name: 'Ion Popescu', iban: 'RO10RZBR0000069999999970' },
  amount: '10.00',
  currency: 'RON',
  idempotencyKey: `authz-${ids.account}`,
});

/**
 * Every procedure must appear here. A procedure taking an id of user-owned data gets a call
 * that passes an id to it; the test makes a second user call it with the first user's ids and
 * with ids that do not exist, and expects NOT_FOUND both times, with the same message.
 * A new procedure without an entry fails the first test.
 */
const MATRIX: Record<string, ((api: Api, ids: Ids) => Promise<unknown>) | { noOwnedId: string }> = {
  'auth.register': { noOwnedId: 'creates the caller' },
  'auth.login': { noOwnedId: 'credentials only' },
  'auth.me': { noOwnedId: 'the caller' },
  'auth.logout': { noOwnedId: 'the caller’s token' },
  'catalog.skills': { noOwnedId: 'shared catalog' },
  'connect.start': { noOwnedId: 'skillId names the shared catalog' },
  'connect.submit': (api, ids) =>
    api.connect.submit({
      sessionId: ids.session,
      stepId: ids.step,
      values: { username: 'x', password: 'sandbox' },
    }),
  'connect.get': (api, ids) => api.connect.get({ sessionId: ids.session }),
  'consents.list': { noOwnedId: 'scoped list (checked below)' },
  'consents.refresh': (api, ids) => api.consents.refresh({ consentId: ids.consent }),
  'consents.revoke': (api, ids) => api.consents.revoke({ consentId: ids.consent }),
  'accounts.list': (api, ids) => api.accounts.list({ consentId: ids.consent }),
  'balances.history': (api, ids) => api.balances.history({ accountId: ids.account }),
  'transactions.list': (api, ids) => api.transactions.list({ accountId: ids.account }),
  'insights.cashflow': { noOwnedId: 'scoped aggregate (checked below)' },
  'insights.topCounterparties': { noOwnedId: 'scoped aggregate (checked below)' },
  'sync.runs': (api, ids) => api.sync.runs({ consentId: ids.consent }),
  'payments.initiate': (api, ids) => api.payments.initiate(payFrom(ids)),
  'payments.get': (api, ids) => api.payments.get({ paymentId: ids.payment }),
  'payments.list': { noOwnedId: 'scoped list (checked below)' },
  'sync.events': { noOwnedId: 'the caller’s own events (apps/api/test/sync-events.test.ts: a second user)' },
};

let h: Harness;
let alice: Awaited<ReturnType<Harness['signUp']>>;
let bob: Awaited<ReturnType<Harness['signUp']>>;
let ids: Ids;

beforeAll(async () => {
  h = await createHarness({ sandbox: true });
  alice = await h.signUp();
  bob = await h.signUp();
  const consent = await createConsent(h, alice.user.id);
  const account = await createAccount(h, alice.user.id, consent);
  await insertBalance(h, account, { type: 'closingBooked', amount: '100.00', at: '2025-01-01T00:00:00Z' });
  await insertTransactions(h, alice.user.id, account, [
    { amount: '-12.00', bookingDate: '2025-01-02T00:00:00Z', counterparty: 'Alice’s grocer' },
  ]);
  await db(h.em())
    .insertInto('sync_runs')
    .values({ user_skill_id: consent, reason: 'initial', outcome: 'SUCCEEDED' })
    .execute();
  const started = await alice.api.connect.start({ skillId: await h.skillId('bt_ro_aisp_sbx_#2.0') });
  if (started.status !== 'IN_PROGRESS') throw new Error('no step');
  const paymentSkill = await h.skillId('bt_ro_pisp_sbx_#1.0');
  const payment = await alice.api.payments.initiate({
    skillId: paymentSkill,
    debtorIban: 'RO49AAAA1B31007593840000',
    creditor: { name: 'Ion Popescu', iban: 'RO10RZBR0000069999999970' },
    amount: '5.00',
    currency: 'RON',
    idempotencyKey: 'authorization-payment',
  });
  ids = {
    consent,
    account,
    session: started.sessionId,
    step: started.step.id,
    payment: payment.id,
    paymentSkill,
  };
});
afterAll(() => h?.close());

async function notFound(call: Promise<unknown>): Promise<string> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCError);
  expect((err as TRPCError).code).toBe('NOT_FOUND');
  return (err as TRPCError).message;
}

describe('authorization', () => {
  it('has a matrix entry for every procedure', () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(procedures.filter((path) => !(path in MATRIX))).toEqual([]);
    expect(Object.keys(MATRIX).filter((path) => !procedures.includes(path))).toEqual([]);
  });

  for (const [path, entry] of Object.entries(MATRIX)) {
    if (typeof entry !== 'function') continue;
    it(`${path}: another user’s id is NOT_FOUND, exactly like a missing id`, async () => {
      const foreign = await notFound(entry(bob.api, ids));
      const missing = await notFound(
        entry(bob.api, {
          consent: randomUUID(),
          account: randomUUID(),
          session: randomUUID(),
          step: randomUUID(),
          payment: randomUUID(),
          paymentSkill: ids.paymentSkill,
        }),
      );
      expect(foreign).toBe(missing);
      // The owner still can (and nothing was changed by the attempt).
      if (path !== 'consents.revoke' && path !== 'connect.submit') await entry(alice.api, ids);
    });
  }

  it('leaves the owner’s data untouched after the attempts', async () => {
    const consents = await alice.api.consents.list();
    expect(consents.map((c) => [c.id, c.status])).toEqual([[ids.consent, 'ACTIVE']]);
    const state = await alice.api.connect.get({ sessionId: ids.session });
    expect(state.status === 'IN_PROGRESS' && state.step.id).toBe(ids.step);
  });

  it('scopes lists and aggregates to the caller', async () => {
    expect(await bob.api.consents.list()).toEqual([]);
    expect(await bob.api.accounts.list()).toEqual([]);
    expect((await bob.api.payments.list()).items).toEqual([]);
    expect((await alice.api.payments.list()).items.map((p) => p.id)).toContain(ids.payment);
    expect((await bob.api.transactions.list({})).items).toEqual([]);
    const range = { from: new Date('2024-01-01'), to: new Date('2026-01-01') };
    expect(await bob.api.insights.cashflow({ ...range, interval: 'month' })).toEqual([]);
    expect(await bob.api.insights.topCounterparties({ ...range, limit: 5 })).toEqual([]);
    expect(await alice.api.insights.topCounterparties({ ...range, limit: 5 })).toHaveLength(1);
  });
});
