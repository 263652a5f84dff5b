import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSandbox, startSandbox } from '../src/index';
import { consentAuth, dataAuth, expectError, get, mint, post, transactions } from './helpers';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({
    seed: 'clock',
    clock: { now: '2025-06-01T12:00:00Z' },
    history: { transactionsPerAccount: 20_000, days: 365 },
    consentDurationMinutes: 10 * 24 * 60,
  });
});
afterAll(() => sb.close());

describe('POST /_sandbox/clock', () => {
  it('moves time: new rows appear, pending rows book in place, vanish or are replaced', async () => {
    const c = await mint(sb, 'user-clock');
    const before = (await transactions(sb, c)).body;
    const pending = before.filter((t) => t.data.status === 'pending');
    expect(pending.length).toBeGreaterThan(10);

    const moved = await post(sb.url, '/_sandbox/clock', { advanceDays: 4 });
    expect(moved.body).toEqual({ now: '2025-06-05T12:00:00Z' });
    expect((await get(sb.url, '/_sandbox/clock')).body.now).toBe('2025-06-05T12:00:00Z');

    const after = (await transactions(sb, c)).body;
    const byId = new Map(after.map((t) => [t.id, t]));
    let inPlace = 0;
    let gone = 0;
    let replaced = 0;
    for (const p of pending) {
      const now = byId.get(p.id);
      if (now) {
        // Booked in place: same id and utx_id, booked, new insert timestamp.
        expect(now.utx_id).toBe(p.utx_id);
        if (now.data.status === 'booked') {
          inPlace += 1;
          expect(now.timestamp).toBe('2025-06-05T12:00:00Z');
        }
        continue;
      }
      gone += 1;
      const twin = after.find(
        (t) =>
          t.account_id === p.account_id &&
          t.data.booking_date_time === p.data.booking_date_time &&
          t.data.info === p.data.info &&
          t.id !== p.id,
      );
      if (twin) {
        replaced += 1;
        expect(twin.utx_id).not.toBe(p.utx_id);
        expect(twin.data.status).toBe('booked');
        expect(twin.timestamp).toBe('2025-06-05T12:00:00Z');
      }
    }
    expect(inPlace).toBeGreaterThan(0);
    expect(replaced).toBeGreaterThan(0);
    expect(gone - replaced).toBeGreaterThan(0); // vanished without replacement

    const fresh = after.filter((t) => t.data.booking_date_time > '2025-06-01T12:00:00Z');
    expect(fresh.length).toBeGreaterThan(50);
    for (const t of fresh) expect(t.timestamp).toBe('2025-06-05T12:00:00Z');

    // An incremental read by insert time returns exactly what changed.
    const incremental = (await transactions(sb, c, { timestamp_gt: '2025-06-01T12:00:00Z' })).body;
    expect(incremental.map((t) => t.id)).toEqual(
      after.filter((t) => t.timestamp > '2025-06-01T12:00:00Z').map((t) => t.id),
    );
    // Rows unchanged since the consent was created keep its creation time.
    const old = after.find((t) => t.data.booking_date_time < '2025-05-01');
    expect(old.timestamp).toBe('2025-06-01T12:00:00Z');

    const truth = sb.control.truth({ credentialsId: c.credentialsId });
    expect(truth.consents[0]!.accounts.flatMap((a) => a.transactions!.map((t) => t.id))).toEqual(
      after.map((t) => t.id),
    );
  });

  it('expires consents when consent_exp passes: data calls answer 401 expired_credentials', async () => {
    const c = await mint(sb, 'user-expiry');
    expect((await post(sb.apiUrl, '/accounts/get', dataAuth(c))).status).toBe(200);
    await post(sb.url, '/_sandbox/clock', { advanceDays: 11 });
    for (const path of ['/accounts/get', '/balances/get', '/transactions/get']) {
      expectError(await post(sb.apiUrl, path, dataAuth(c)), 401, 'expired_credentials');
    }
    const info = await post(sb.apiUrl, '/consents/get', consentAuth(c));
    expect(info.body.result.status).toBe('EXPIRED');
    const truth = sb.control.truth({ credentialsId: c.credentialsId });
    expect(truth.consents[0]).toMatchObject({ status: 'EXPIRED', accounts: [] });
  });

  it('force-expires a consent through POST /_sandbox/consents/expire', async () => {
    const c = await mint(sb, 'user-force');
    const r = await post(sb.url, '/_sandbox/consents/expire', { credentialsId: c.credentialsId });
    expect(r.body).toEqual({ credentialsId: c.credentialsId, status: 'EXPIRED' });
    expectError(await post(sb.apiUrl, '/transactions/get', dataAuth(c)), 401, 'expired_credentials');
    expectError(
      await post(sb.url, '/_sandbox/consents/expire', { credentialsId: 'nope' }),
      400,
      'invalid_credentials_id',
    );
  });

  it('rejects a non-positive advance', async () => {
    expectError(await post(sb.url, '/_sandbox/clock', { advanceDays: -1 }), 400, 'invalid_field');
    expectError(await post(sb.url, '/_sandbox/clock', {}), 400, 'invalid_field');
  });
});
