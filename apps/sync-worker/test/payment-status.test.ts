import { randomUUID } from 'node:crypto';
import { QUEUES, sealPaymentSecrets } from '@tenant/domain';
import { createFinqwareClient, paymentInputData } from '@tenant/finqware-client';
import { TENANT_APP } from '@tenant/finqware-sandbox';
import { createLogger } from '@tenant/runtime';
import { runSql } from '@tenant/sync-engine/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendPaymentPoll } from '../src/payment-status';
import { vaultPaymentSecretsReader, vaultSecretsReader } from '../src/secrets';
import { startWorker, type Worker } from '../src/worker';
import { createWorld, type World, waitFor } from './harness';

/**
 * The payment-status chain with the worker in-process against the sandbox bank: each poll reads
 * "get payment" once and sends its successor until the payment is final. Delays between polls are
 * real (seconds to an hour); the tests move queued polls to now instead of waiting, as the soak does.
 */
let world: World;
let worker: Worker;
const SKILL = 'rzb_ro_pisp_sbx_#1.0';
const fq = () => createFinqwareClient({ baseUrl: world.sandbox.apiUrl, ...TENANT_APP, retry: false });

beforeAll(async () => {
  world = await createWorld({ seed: 'payment-status' });
  const client = createFinqwareClient({
    baseUrl: world.sandbox.apiUrl,
    ...TENANT_APP,
    timeoutMs: 1_000,
    retry: { retries: 1, maxRetryAfterMs: 2000 },
  });
  worker = await startWorker({
    databaseUrl: world.db.url,
    orm: world.db.orm,
    config: {
      sync: {
        cron: '0 0 1 1 *',
        timezone: 'UTC',
        spreadSeconds: 0,
        concurrency: 2,
        fetchBatch: 1,
        expiryWarningDays: 7,
        overlapMinutes: 60,
      },
      database: { url: world.db.url, poolMax: 4, preparedStatements: true },
    },
    finqware: client,
    readSecrets: vaultSecretsReader(world.vault),
    readPaymentSecrets: vaultPaymentSecretsReader(world.vault),
    log: createLogger({ service: 'worker', level: 'silent' }),
    schedule: false,
    pollingIntervalSeconds: 0.5,
  });
}, 120_000);
afterAll(async () => {
  await worker?.stop(5000);
  await world?.close();
});
afterEach(() => world.sandbox.control.setFaults({ rate: 0 }));

/** A payment approved at the sandbox bank and stored AUTHORISED, its consent pair through the vault. */
async function authorisedPayment(options: { authorisedAt?: Date; wrongToken?: boolean } = {}) {
  const tenantUserId = randomUUID();
  const [user] = await runSql<{ id: string }>(
    world.em(),
    `INSERT INTO users (email, password_hash, tenant_user_id) VALUES (?, 'x', ?) RETURNING id`,
    [`p-${tenantUserId}@example.com`, tenantUserId],
  );
  const [skill] = await runSql<{ id: string }>(world.em(), 'SELECT id FROM skills WHERE code = ?', [SKILL]);
  const paymentId = randomUUID();
  const session = await fq().sessions.create({ tenantUserId, skill: SKILL });
  const step = await fq().sessions.submitStep({
    sessionId: session.sessionId,
    nonce: session.nonce,
    skill: SKILL,
    step: 'payment_intent',
    data: paymentInputData({
      psuRedirectLink: 'https://tenant.example/connect/callback',
      paymentInfoId: paymentId.replaceAll('-', ''),
      endToEndId: paymentId.replaceAll('-', ''),
      debtor: { iban: 'RO03RZBR0000069999999999' },
      creditor: { name: 'Ion Popescu', iban: 'RO10RZBR0000069999999970' },
      amount: '42.10',
      currency: 'RON',
    }),
  });
  const bank = await fetch(step.redirect?.url ?? '', { redirect: 'manual' });
  const tempToken = new URL(bank.headers.get('location') ?? '').searchParams.get('temp_token') ?? '';
  const pair = await fq().tokens.exchange({ tempToken });
  const sealed = sealPaymentSecrets(world.vault, paymentId, {
    credentialsId: pair.credentialsId,
    accessToken: options.wrongToken ? 'not-the-token' : pair.accessToken,
  });
  await runSql(
    world.em(),
    `INSERT INTO payments (id, user_id, skill_id, idempotency_key, request_hash, debtor_iban, creditor_name, creditor_iban,
       amount, currency, status, authorised_at, credentials_id_enc, access_token_enc, vault_key_id)
     VALUES (?, ?, ?, ?, 'h', 'RO03RZBR0000069999999999', 'Ion Popescu', 'RO10RZBR0000069999999970', '42.10', 'RON',
       'AUTHORISED', ?, ?, ?, ?)`,
    [
      paymentId,
      user?.id,
      skill?.id,
      randomUUID(),
      options.authorisedAt ?? new Date(),
      sealed.credentials_id_enc,
      sealed.access_token_enc,
      sealed.vault_key_id,
    ],
  );
  return paymentId;
}

async function payment(paymentId: string) {
  const [row] = await runSql<{ status: string; statusReason: string | null; bankStatus: string | null }>(
    world.em(),
    `SELECT status, status_reason AS "statusReason", bank_status AS "bankStatus" FROM payments WHERE id = ?`,
    [paymentId],
  );
  return row;
}

async function events(paymentId: string) {
  const rows = await runSql<{ status: string }>(
    world.em(),
    'SELECT status FROM payment_events WHERE payment_id = ? ORDER BY created_at, id',
    [paymentId],
  );
  return rows.map((r) => r.status);
}

/** Polls waiting for this payment: their state and seconds until they start. */
async function queuedPolls(paymentId: string) {
  return runSql<{ state: string; inSeconds: number }>(
    world.em(),
    `SELECT state, extract(epoch from start_after - now())::float8 AS "inSeconds" FROM pgboss.job
      WHERE name = ? AND singleton_key = ? AND state IN ('created', 'retry', 'active')`,
    [QUEUES.paymentStatus, paymentId],
  );
}

/** The next poll runs now instead of after its backoff. */
const fastForward = (paymentId: string) =>
  runSql(
    world.em(),
    `UPDATE pgboss.job SET start_after = now() WHERE name = ? AND singleton_key = ? AND state IN ('created', 'retry')`,
    [QUEUES.paymentStatus, paymentId],
  );

async function waitForStatus(paymentId: string, status: string) {
  await waitFor(
    async () => {
      await fastForward(paymentId);
      return (await payment(paymentId))?.status === status;
    },
    30_000,
    `payment ${status}`,
  );
}

describe('payment-status', () => {
  it('follows an authorised payment to SETTLED with the bank clock, then stops polling', async () => {
    const paymentId = await authorisedPayment();
    await sendPaymentPoll(worker.boss, paymentId);
    await waitFor(async () => (await payment(paymentId))?.bankStatus === 'ACTC', 15_000, 'the first poll');
    expect((await payment(paymentId))?.status).toBe('AUTHORISED');
    const [next] = await queuedPolls(paymentId);
    expect(next?.state).toBe('created');
    expect(next?.inSeconds).toBeGreaterThan(2);

    world.sandbox.control.advanceClock({ advanceMinutes: 5 });
    await waitForStatus(paymentId, 'ACCEPTED');
    world.sandbox.control.advanceClock({ advanceDays: 1 });
    await waitForStatus(paymentId, 'SETTLED');
    expect(await payment(paymentId)).toMatchObject({ bankStatus: 'ACSC', statusReason: null });
    expect(await events(paymentId)).toEqual(['ACCEPTED', 'SETTLED']);
    await waitFor(async () => (await queuedPolls(paymentId)).length === 0, 10_000, 'no poll left');
  });

  it('a 429 waits its Retry-After, a 5xx and a hang are polled again, and the payment still settles', async () => {
    const paymentId = await authorisedPayment();
    world.sandbox.control.advanceClock({ advanceMinutes: 5 });
    world.sandbox.control.setFaults({
      rate: 1,
      kinds: ['429'],
      retryAfterSeconds: 120,
      endpoints: ['/payments/get'],
    });
    await sendPaymentPoll(worker.boss, paymentId);
    await waitFor(
      async () => (await queuedPolls(paymentId)).some((j) => j.state === 'created' && j.inSeconds > 100),
      15_000,
      'a poll delayed by the Retry-After',
    );
    expect((await payment(paymentId))?.status).toBe('AUTHORISED');

    for (const kind of ['503', 'hang'] as const) {
      world.sandbox.control.setFaults({ rate: 1, kinds: [kind], endpoints: ['/payments/get'] });
      const polled = world.sandbox.control.stats().faults[kind] ?? 0;
      await fastForward(paymentId);
      await waitFor(() => (world.sandbox.control.stats().faults[kind] ?? 0) > polled, 15_000, `a ${kind}`);
    }
    world.sandbox.control.setFaults({ rate: 0 });
    world.sandbox.control.advanceClock({ advanceDays: 1 });
    await waitForStatus(paymentId, 'SETTLED');
  });

  it('a rejection at the bank ends REJECTED with its reason code', async () => {
    world.sandbox.control.setFaults({ rate: 0, paymentRejectRate: 1 });
    const paymentId = await authorisedPayment();
    world.sandbox.control.advanceClock({ advanceMinutes: 5 });
    await sendPaymentPoll(worker.boss, paymentId);
    await waitForStatus(paymentId, 'REJECTED');
    expect(await payment(paymentId)).toMatchObject({ statusReason: 'AM04', bankStatus: 'RJCT' });
    await waitFor(async () => (await queuedPolls(paymentId)).length === 0, 10_000, 'no poll left');
  });

  it('a consent error ends FAILED (consent_invalid); past the tracking time it ends FAILED (tracking_timeout)', async () => {
    const broken = await authorisedPayment({ wrongToken: true });
    await sendPaymentPoll(worker.boss, broken);
    await waitForStatus(broken, 'FAILED');
    expect((await payment(broken))?.statusReason).toBe('consent_invalid');

    const old = await authorisedPayment({ authorisedAt: new Date(Date.now() - 6 * 86_400_000) });
    await sendPaymentPoll(worker.boss, old);
    await waitForStatus(old, 'FAILED');
    expect((await payment(old))?.statusReason).toBe('tracking_timeout');
  });

  it('the sweep ends unauthorised PENDING payments (status_unknown when a token came back) and re-sends lost polls', async () => {
    const lost = await authorisedPayment();
    const [skill] = await runSql<{ id: string }>(world.em(), 'SELECT id FROM skills WHERE code = ?', [SKILL]);
    const [user] = await runSql<{ id: string }>(world.em(), 'SELECT id FROM users LIMIT 1');
    const stale = randomUUID();
    await runSql(
      world.em(),
      `INSERT INTO payments (id, user_id, skill_id, idempotency_key, request_hash, debtor_iban, creditor_name, creditor_iban,
         amount, currency, created_at)
       VALUES (?, ?, ?, ?, 'h', 'RO03RZBR0000069999999999', 'C', 'RO10RZBR0000069999999970', '1.00', 'RON',
         now() - interval '41 minutes')`,
      [stale, user?.id, skill?.id, randomUUID()],
    );
    // A PSU who came back with a temp token whose exchange failed: authorised, status unknown.
    const tokenLost = randomUUID();
    const session = randomUUID();
    await runSql(
      world.em(),
      `INSERT INTO sessions (id, user_id, skill_id, finqware_session_id, status, expires_at)
       VALUES (?, ?, ?, ?, 'IN_PROGRESS', now() - interval '10 minutes')`,
      [session, user?.id, skill?.id, randomUUID()],
    );
    await runSql(
      world.em(),
      `INSERT INTO steps (session_id, position, name, kind, status, definition)
       VALUES (?, 1, 'payment_intent', 'sca', 'SUBMITTED', '{}')`,
      [session],
    );
    await runSql(
      world.em(),
      `INSERT INTO payments (id, user_id, skill_id, session_id, idempotency_key, request_hash, debtor_iban, creditor_name,
         creditor_iban, amount, currency, created_at)
       VALUES (?, ?, ?, ?, ?, 'h', 'RO03RZBR0000069999999999', 'C', 'RO10RZBR0000069999999970', '2.00', 'RON',
         now() - interval '41 minutes')`,
      [tokenLost, user?.id, skill?.id, session, randomUUID()],
    );
    expect(await queuedPolls(lost)).toEqual([]);
    await worker.boss.send(QUEUES.paymentSweep, {});
    await waitFor(async () => (await payment(stale))?.status === 'FAILED', 15_000, 'the sweep');
    expect((await payment(stale))?.statusReason).toBe('not_authorised');
    expect(await events(stale)).toEqual(['FAILED']);
    expect(await payment(tokenLost)).toMatchObject({ status: 'FAILED', statusReason: 'status_unknown' });
    await waitFor(async () => (await payment(lost))?.bankStatus === 'ACTC', 15_000, 'the re-sent poll');
  });
});
