import { createTenantClient, type RouterOutputs } from '@tenant/client';
import { SYNC_EVENTS_CHANNEL, type SyncEvent, syncEventPayload } from '@tenant/domain';
import { createSyncEventHub, domainVault, type SyncEventHub } from '@tenant/router';
import { createConsent, createHarness, type Harness } from '@tenant/router/testing';
import { createLogger } from '@tenant/runtime';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics';
import { type ApiServer, createApiServer } from '../src/server';
import { listenForSyncEvents, type SyncEventListener } from '../src/sync-events';

type LiveEvent = RouterOutputs['sync']['events'] extends AsyncIterable<infer T> ? T : never;

/** One api process: its server, its hub and its own LISTEN connection. */
type Instance = { api: ApiServer; hub: SyncEventHub; listener: SyncEventListener; url: string };

let h: Harness;
let publisher: pg.Client;
const instances: Instance[] = [];

async function startInstance(drainTimeoutMs?: number): Promise<Instance> {
  const logger = createLogger({ service: 'api', level: 'silent' });
  const hub = createSyncEventHub();
  const listener = listenForSyncEvents({ connectionString: h.db.url, hub, logger });
  const api = createApiServer({
    orm: h.db.orm,
    fq: h.fq,
    jobs: h.jobs,
    vault: domainVault(h.vault),
    routerConfig: h.config,
    corsOrigins: [],
    logger,
    metrics: createMetrics({ orm: h.db.orm, defaultMetrics: false }),
    syncEvents: hub,
    ...(drainTimeoutMs ? { drainTimeoutMs } : {}),
  });
  const { port } = await api.listen(0, '127.0.0.1');
  await listener.ready;
  const instance = { api, hub, listener, url: `http://127.0.0.1:${port}/trpc` };
  instances.push(instance);
  return instance;
}

/** What the sync worker does after each committed step of a sync (apps/sync-worker/src/sync-events.ts). */
async function workerNotifies(event: Omit<SyncEvent, 'at'>) {
  await publisher.query('select pg_notify($1, $2)', [
    SYNC_EVENTS_CHANNEL,
    syncEventPayload({ ...event, at: new Date().toISOString() }),
  ]);
}

/** A live subscription through the typed client over SSE, collecting what it receives. */
function subscribe(url: string, token: string) {
  const received: LiveEvent[] = [];
  const errors: unknown[] = [];
  const subscription = createTenantClient({ url, token }).sync.events.subscribe(undefined, {
    onData: (event) => received.push(event),
    onError: (err) => errors.push(err),
  });
  return { received, errors, stop: () => subscription.unsubscribe() };
}

/** Polls a condition (no fixed sleeps): the machine may be busy. */
async function until(condition: () => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const counts = { accountsSynced: 2, inserted: 40, updated: 0, removed: 0 };

beforeAll(async () => {
  h = await createHarness();
  publisher = new pg.Client({ connectionString: h.db.url });
  await publisher.connect();
});

afterAll(async () => {
  for (const instance of instances) {
    await instance.api.close();
    await instance.listener.close();
  }
  await publisher?.end();
  await h?.close();
});

describe('live sync events (sync.events over SSE, fed by LISTEN/NOTIFY)', () => {
  it('delivers an event the worker NOTIFYed through every api instance, to its user only', async () => {
    const [one, two] = [await startInstance(), await startInstance()];
    const alice = await h.signUp();
    const bob = await h.signUp();
    const aliceConsent = await createConsent(h, alice.user.id);
    const bobConsent = await createConsent(h, bob.user.id);

    const aliceOnOne = subscribe(one.url, alice.token);
    const aliceOnTwo = subscribe(two.url, alice.token);
    const bobOnOne = subscribe(one.url, bob.token);
    await until(() => one.hub.size() === 2 && two.hub.size() === 1, 'three live subscriptions');

    const aliceRun = crypto.randomUUID();
    await workerNotifies({
      userId: alice.user.id,
      consentId: aliceConsent,
      runId: aliceRun,
      outcome: 'RUNNING',
      ...counts,
    });
    await workerNotifies({
      userId: alice.user.id,
      consentId: aliceConsent,
      runId: aliceRun,
      outcome: 'SUCCEEDED',
      ...counts,
    });
    await until(
      () => aliceOnOne.received.length === 2 && aliceOnTwo.received.length === 2,
      "alice's events on both",
    );
    for (const { received } of [aliceOnOne, aliceOnTwo]) {
      expect(received.map((e) => [e.consentId, e.runId, e.outcome, e.inserted])).toEqual([
        [aliceConsent, aliceRun, 'RUNNING', 40],
        [aliceConsent, aliceRun, 'SUCCEEDED', 40],
      ]);
      expect(received[0]?.at).toBeInstanceOf(Date);
      expect(received[0]).not.toHaveProperty('userId');
    }

    // Events reach a process in NOTIFY order: Bob's first event being his own proves Alice's never reached him.
    await workerNotifies({
      userId: bob.user.id,
      consentId: bobConsent,
      runId: crypto.randomUUID(),
      outcome: 'FAILED',
      ...counts,
    });
    await until(() => bobOnOne.received.length === 1, "bob's event");
    expect(bobOnOne.received[0]?.consentId).toBe(bobConsent);
    expect(aliceOnOne.received).toHaveLength(2);
    expect([aliceOnOne, aliceOnTwo, bobOnOne].flatMap((s) => s.errors)).toEqual([]);

    for (const s of [aliceOnOne, aliceOnTwo, bobOnOne]) s.stop();
    await until(
      () => one.hub.size() === 0 && two.hub.size() === 0,
      'subscriptions to end with their clients',
    );
  });

  it('refuses a subscription without a valid token', async () => {
    const [instance] = instances;
    const anonymous = subscribe(instance!.url, 'not-a-valid-token-at-all');
    await until(() => anonymous.errors.length === 1, 'the refusal');
    expect(String((anonymous.errors[0] as { data?: { code?: string } }).data?.code)).toBe('UNAUTHORIZED');
    anonymous.stop();
  });

  it('survives a lost LISTEN connection: clients reconnect and hear later events', async () => {
    const instance = instances[0]!;
    const carol = await h.signUp();
    const consentId = await createConsent(h, carol.user.id);
    const live = subscribe(instance.url, carol.token);
    await until(() => instance.hub.size() === 1, 'the subscription');

    await publisher.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where application_name = 'tenant-api-sync-events' and datname = current_database()`,
    );
    // The listener reconnects with backoff and the client resubscribes by itself; a NOTIFY sent
    // before both are back is missed by design (clients re-read state when they reconnect), so keep
    // notifying until one arrives.
    const runId = crypto.randomUUID();
    const deadline = Date.now() + 20_000;
    while (live.received.length === 0) {
      if (Date.now() > deadline) throw new Error('no event after the connection was lost');
      await workerNotifies({ userId: carol.user.id, consentId, runId, outcome: 'RUNNING', ...counts });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(live.received[0]?.runId).toBe(runId);
    live.stop();
  });

  it('ends live subscriptions when the server closes, so a drain does not wait on them', async () => {
    // A drain that would cut open responses only after an hour: close() returns within the test's
    // timeout only if the subscription ended by itself.
    const instance = await startInstance(3_600_000);
    const dave = await h.signUp();
    const live = subscribe(instance.url, dave.token);
    await until(() => instance.hub.size() === 1, 'the subscription');
    await instance.api.close();
    expect(instance.hub.size()).toBe(0);
    live.stop();
  });
});
