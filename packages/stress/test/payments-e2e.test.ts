import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTenantClient, tenantError } from '@tenant/client';
import { freePort, parseCatalog, repoRoot, seedCatalog } from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { CATALOG, type RunningSandbox, startSandbox } from '@tenant/finqware-sandbox';
import { ManagedProcess } from '@tenant/spawn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Payments from outside: the real api and sync-worker processes, the sandbox bank, and the typed
 * client over HTTP, as a front-end uses them. The browser's part is played with fetch: the bank
 * page, then the bank's redirect into the api's /connect/callback.
 */

const APP_URL = 'http://127.0.0.1:9/paid';
let db: TestDatabase;
let sandbox: RunningSandbox;
let api: ManagedProcess;
let worker: ManagedProcess;
let base: string;
let env: NodeJS.ProcessEnv;
const em = () => db.orm.em.fork() as EntityManager;

function spawnApp(name: string, entry: string): ManagedProcess {
  return new ManagedProcess({ name, entry: join(repoRoot(), entry), cwd: repoRoot(), env });
}

async function startApi() {
  api = spawnApp('api', 'apps/api/src/main.ts');
  api.start();
  await api.waitForLine((line) => line.includes('api listening'), 90_000);
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seedCatalog(em(), parseCatalog(CATALOG));
  sandbox = await startSandbox({ seed: 'payments-e2e' });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: db.url,
    FINQWARE_BASE_URL: sandbox.apiUrl,
    // Short, so an initiation lease left by a killed api (2 × timeout + 15 s) lapses within the test.
    FINQWARE_TIMEOUT_MS: '1500',
    API_PORT: String(port),
    API_PUBLIC_URL: base,
    PUBLIC_APP_URL: APP_URL,
    ADMIN_PORT: '0',
    WORKER_ADMIN_PORT: '0',
    SYNC_CRON: '0 0 1 1 *',
    // Every user of the test registers from this machine's one address.
    AUTH_REGISTER_MAX_PER_ADDRESS: '1000000',
    AUTH_LOGIN_MAX_PER_ADDRESS: '1000000',
  };
  await startApi();
  worker = spawnApp('worker', 'apps/sync-worker/src/main.ts');
  worker.start();
  await worker.waitForLine((line) => line.includes('sync worker started'), 90_000);
}, 180_000);

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await sandbox?.close();
  await db?.drop();
});

async function signUp(email: string) {
  const anonymous = createTenantClient({ url: `${base}/trpc` });
  const { token } = await anonymous.auth.register.mutate({ email, password: 'a long enough password' });
  return createTenantClient({ url: `${base}/trpc`, token });
}

/** The browser at the bank page, then following the bank's redirect to the api, which sends it to the app. */
async function approveAtBank(redirectUrl: string | null) {
  const bank = await fetch(redirectUrl ?? '', { redirect: 'manual' });
  const callback = await fetch(bank.headers.get('location') ?? '', { redirect: 'manual' });
  expect(callback.status).toBe(302);
  return new URL(callback.headers.get('location') ?? '');
}

async function query<T>(text: string, params: unknown[] = []): Promise<T[]> {
  return em().execute(text, params) as Promise<T[]>;
}

/** Queued polls of a payment start now instead of after their backoff (as the soak does). */
const fastForward = (paymentId: string) =>
  query(
    `update pgboss.job set start_after = now() where name = 'payment-status' and singleton_key = ? and state in ('created', 'retry')`,
    [paymentId],
  );

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const order = (skillId: string, idempotencyKey: string) => ({
  skillId,
  debtorIban: 'RO03RZBR0000069999999999',
  creditor: { name: 'Ion Popescu', iban: 'RO10RZBR0000069999999970' },
  amount: '250.00',
  currency: 'RON',
  remittance: 'Rent December',
  idempotencyKey,
});

describe('payments over HTTP, with the real api and worker', () => {
  it('initiate → the bank → AUTHORISED → ACCEPTED → SETTLED, through 429s and 5xx on "get payment"', async () => {
    const client = await signUp('payer@example.com');
    const skill = (await client.catalog.skills.query()).find((s) => s.code === 'rzb_ro_pisp_sbx_#1.0');
    const payment = await client.payments.initiate.mutate(order(skill?.id ?? '', 'e2e-settled-0001'));
    expect(payment).toMatchObject({ status: 'PENDING', amount: '250.00' });

    const landing = await approveAtBank(payment.redirectUrl);
    expect(`${landing.origin}${landing.pathname}`).toBe(APP_URL);
    expect(landing.searchParams.get('status')).toBe('returned');
    expect((await client.payments.get.query({ paymentId: payment.id })).status).toBe('AUTHORISED');

    // The worker's first poll reads ACTC: still AUTHORISED.
    await until(async () => {
      const [row] = await query<{ bank_status: string | null }>(
        'select bank_status from payments where id = ?',
        [payment.id],
      );
      return row?.bank_status === 'ACTC' ? true : undefined;
    }, 'the first poll');

    // "get payment" now answers 429 (Retry-After 3 s, more than the worker waits in-process) and 503s.
    sandbox.control.setFaults({
      rate: 0.7,
      kinds: ['429', '503'],
      retryAfterSeconds: 3,
      endpoints: ['/payments/get'],
    });
    sandbox.control.advanceClock({ advanceMinutes: 5 });
    await until(async () => {
      await fastForward(payment.id);
      const now = await client.payments.get.query({ paymentId: payment.id });
      return now.status === 'ACCEPTED' ? now : undefined;
    }, 'ACCEPTED');
    const faults = sandbox.control.stats().faults;
    sandbox.control.setFaults({ rate: 0 });
    sandbox.control.advanceClock({ advanceDays: 1 });
    const settled = await until(async () => {
      await fastForward(payment.id);
      const now = await client.payments.get.query({ paymentId: payment.id });
      return now.status === 'SETTLED' ? now : undefined;
    }, 'SETTLED');
    expect(settled.events.map((e) => e.status)).toEqual(['AUTHORISED', 'ACCEPTED', 'SETTLED']);
    expect(settled.bankStatus).toBe('ACSC');
    expect((faults['429'] ?? 0) + (faults['503'] ?? 0)).toBeGreaterThan(0);

    const made = sandbox.control
      .truth()
      .payments.filter((p) => p.endToEndId === payment.id.replaceAll('-', ''));
    expect(made).toMatchObject([{ amount: '250.00', status: 'ACSC' }]);
  });

  it('the same key after the api was SIGKILLed mid-initiation is the same payment, paid once', async () => {
    const client = await signUp('restart@example.com');
    const skill = (await client.catalog.skills.query()).find((s) => s.code === 'bt_ro_pisp_sbx_#1.0');
    const input = order(skill?.id ?? '', 'e2e-restart-0001');
    // The payment step hangs at the bank: the api holds the lease, waiting on Finqware…
    sandbox.control.setFaults({ rate: 1, kinds: ['hang'], endpoints: ['/sessions/:id/steps'] });
    const first = client.payments.initiate.mutate(input).catch((error: unknown) => tenantError(error));
    await until(async () => {
      const [row] = await query<{ n: number }>(
        'select count(*)::int as n from payments where idempotency_key = ? and initiation_lease_until > now()',
        [input.idempotencyKey],
      );
      return row?.n === 1 ? true : undefined;
    }, 'the idempotency record and its lease');
    // …when its process dies.
    await api.kill();
    expect(await first).toMatchObject({ code: 'NETWORK' });
    sandbox.control.setFaults({ rate: 0 });
    await startApi();

    // Retries with the key: the lease of the dead process lapses, then one call creates the bank session.
    const retried = await until(
      async () => {
        try {
          return await client.payments.initiate.mutate(input);
        } catch (error) {
          const e = tenantError(error);
          if (e.reason !== 'PAYMENT_IN_PROGRESS') throw error;
          return undefined;
        }
      },
      'the retried initiation',
      90_000,
    );
    const again = await client.payments.initiate.mutate(input);
    expect(again.id).toBe(retried.id);
    expect(again.redirectUrl).toBe(retried.redirectUrl);
    await approveAtBank(retried.redirectUrl);

    const [count] = await query<{ n: number }>(
      'select count(*)::int as n from payments where idempotency_key = ?',
      [input.idempotencyKey],
    );
    expect(count?.n).toBe(1);
    const made = sandbox.control
      .truth()
      .payments.filter((p) => p.endToEndId === retried.id.replaceAll('-', ''));
    expect(made).toHaveLength(1);
    expect((await client.payments.get.query({ paymentId: retried.id })).status).toBe('AUTHORISED');
  });
});
