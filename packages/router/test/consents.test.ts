import { db } from '@tenant/domain';
import { sql as kysql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorDetails } from '../src/errors';
import { createAccount, createConsent, insertTransactions } from '../src/testing/fixtures';
import { CONSENT_SYNC_QUEUE, createHarness, type Harness } from '../src/testing/harness';
import { rejection } from './rejection';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ sandbox: true, config: { syncRefreshCooldownSeconds: 300 } });
});
afterAll(() => h?.close());

/** A consent made through the sandbox (implicit SCA), so Finqware knows it. */
async function connectIng(api: Awaited<ReturnType<Harness['signUp']>>['api']) {
  const started = await api.connect.start({ skillId: await h.skillId('ing_ro_aisp_sbx_#2.0') });
  if (started.status !== 'IN_PROGRESS') throw new Error('no step');
  const done = await api.connect.submit({
    sessionId: started.sessionId,
    stepId: started.step.id,
    values: {},
  });
  if (done.status !== 'COMPLETED') throw new Error('not completed');
  return done.consentId;
}

describe('consents', () => {
  it('lists skill, servicer, status, expiry and the last sync outcome', async () => {
    const user = await h.signUp();
    const consentId = await createConsent(h, user.user.id);
    await db(h.em())
      .insertInto('sync_runs')
      .values([
        {
          user_skill_id: consentId,
          reason: 'initial',
          outcome: 'FAILED',
          error_class: 'transient',
          started_at: kysql<Date>`now() - interval '1 hour'`,
          finished_at: kysql<Date>`now() - interval '59 minutes'`,
        },
        {
          user_skill_id: consentId,
          reason: 'retry',
          outcome: 'SUCCEEDED',
          error_class: null,
          started_at: kysql<Date>`now()`,
          finished_at: kysql<Date>`now()`,
        },
      ])
      .execute();
    await db(h.em())
      .updateTable('user_skills')
      .set({ last_synced_at: kysql<Date>`now()`, last_sync_outcome: 'SUCCEEDED', expires_soon: true })
      .where('id', '=', consentId)
      .execute();
    const [consent] = await user.api.consents.list();
    expect(consent).toMatchObject({
      id: consentId,
      status: 'ACTIVE',
      skill: { code: 'bt_ro_aisp_sbx_#2.0', kind: 'aisp' },
      servicer: { code: 'bt_ro', name: 'Banca Transilvania', country: 'Romania' },
      expiresSoon: true,
      lastSyncOutcome: 'SUCCEEDED',
      lastSync: { outcome: 'SUCCEEDED', errorClass: null },
    });
    expect(consent?.consentExp).toEqual(new Date('2030-01-01T00:00:00Z'));
    const runs = await user.api.sync.runs({ consentId });
    expect(runs.map((r) => [r.reason, r.outcome, r.errorClass])).toEqual([
      ['retry', 'SUCCEEDED', null],
      ['initial', 'FAILED', 'transient'],
    ]);
  });

  it('sync.runs tells each failure in our own words, never Finqware’s or the bank’s text', async () => {
    const user = await h.signUp();
    const consentId = await createConsent(h, user.user.id);
    const theirs =
      'finqware accounts.get 401 invalid_credentials_id: <script>IBAN RO49AAAA1B31007593840000</script>';
    const classes = ['consent', 'rate_limit', 'transient', 'protocol', 'client', 'internal'] as const;
    await db(h.em())
      .insertInto('sync_runs')
      .values(
        classes.map((errorClass, n) => ({
          user_skill_id: consentId,
          reason: 'scheduled' as const,
          outcome: 'FAILED' as const,
          error_class: errorClass,
          error_message: theirs,
          started_at: kysql<Date>`now() - make_interval(secs => ${n + 1})`,
        })),
      )
      .execute();
    const runs = await user.api.sync.runs({ consentId });
    expect(runs).toHaveLength(6);
    for (const run of runs) {
      expect(run.errorMessage).toEqual(expect.any(String));
      expect(run.errorMessage).not.toMatch(/finqware accounts|invalid_credentials|script|RO49/);
    }
    expect(new Set(runs.map((run) => run.errorMessage)).size).toBe(6);
  });

  it('refresh enqueues a manual sync, then throttles the consent until the cooldown passes', async () => {
    const user = await h.signUp();
    const consentId = await createConsent(h, user.user.id);
    expect(await user.api.consents.refresh({ consentId })).toEqual({ consentId, queued: true });
    expect((await h.queuedSyncJobs(consentId)).map((j) => j.data)).toEqual([{ consentId, reason: 'manual' }]);

    const throttled = await rejection(user.api.consents.refresh({ consentId }));
    expect(throttled.code).toBe('TOO_MANY_REQUESTS');
    const retry = (throttled.cause as ErrorDetails).retryAfterSeconds ?? 0;
    expect(retry).toBeGreaterThan(200);
    expect(retry).toBeLessThanOrEqual(300);

    // Another consent is not affected.
    const other = await createConsent(h, user.user.id);
    expect((await user.api.consents.refresh({ consentId: other })).queued).toBe(true);

    // Once the cooldown has passed (the first job is older), and that job has run, refresh works again.
    await db(h.em())
      .updateTable('user_skills')
      .set({ manual_sync_at: kysql<Date>`manual_sync_at - interval '301 seconds'` })
      .where('id', '=', consentId)
      .execute();
    for (const job of await h.boss.fetch(CONSENT_SYNC_QUEUE, { batchSize: 10 })) {
      await h.boss.complete(CONSENT_SYNC_QUEUE, job.id);
    }
    expect(await user.api.consents.refresh({ consentId })).toEqual({ consentId, queued: true });
  });

  it('keeps the refresh cooldown after pg-boss has run and deleted the job', async () => {
    const user = await h.signUp();
    const consentId = await createConsent(h, user.user.id);
    expect((await user.api.consents.refresh({ consentId })).queued).toBe(true);
    const [job] = await h.queuedSyncJobs(consentId);
    if (!job) throw new Error('no job');
    await h.boss.deleteJob(CONSENT_SYNC_QUEUE, job.id);
    expect(await h.queuedSyncJobs(consentId)).toEqual([]);

    const throttled = await rejection(user.api.consents.refresh({ consentId }));
    expect(throttled.code).toBe('TOO_MANY_REQUESTS');
  });

  it('refuses to refresh a consent that needs re-authorisation, has expired or was revoked', async () => {
    const user = await h.signUp();
    for (const [status, reason] of [
      ['REAUTH_REQUIRED', 'REAUTH_REQUIRED'],
      ['EXPIRED', 'REAUTH_REQUIRED'],
      ['DELETED', 'CONSENT_DELETED'],
    ] as const) {
      const consentId = await createConsent(h, user.user.id, 'bt_ro_aisp_sbx_#2.0', status);
      const err = await rejection(user.api.consents.refresh({ consentId }));
      expect(err.code).toBe('PRECONDITION_FAILED');
      expect((err.cause as ErrorDetails).reason).toBe(reason);
      expect(await h.queuedSyncJobs(consentId)).toEqual([]);
    }
  });

  it('a consent needing re-auth is reported as such, and connecting the bank again yields a new ACTIVE consent', async () => {
    const user = await h.signUp();
    const first = await connectIng(user.api);
    await db(h.em())
      .updateTable('user_skills')
      .set({ status: 'REAUTH_REQUIRED' })
      .where('id', '=', first)
      .execute();
    expect((await user.api.consents.list()).map((c) => c.status)).toEqual(['REAUTH_REQUIRED']);
    const second = await connectIng(user.api);
    expect(second).not.toBe(first);
    const statuses = Object.fromEntries((await user.api.consents.list()).map((c) => [c.id, c.status]));
    expect(statuses).toEqual({ [first]: 'REAUTH_REQUIRED', [second]: 'ACTIVE' });
  });

  it('revoke deletes the consent at Finqware, marks it DELETED and keeps cached data unless purging', async () => {
    const user = await h.signUp();
    const consentId = await connectIng(user.api);
    const account = await createAccount(h, user.user.id, consentId);
    await insertTransactions(h, user.user.id, account, [
      { amount: '1.00', bookingDate: '2025-01-01T00:00:00Z' },
    ]);
    const secrets = await h.context().vault.readConsentSecrets(h.em(), consentId);

    expect(await user.api.consents.revoke({ consentId })).toEqual({
      consentId,
      status: 'DELETED',
      dataPurged: false,
    });
    expect(h.sandbox?.control.truth({ credentialsId: secrets.credentialsId }).consents?.[0]?.status).toBe(
      'DELETED',
    );
    const [listed] = await user.api.consents.list();
    expect(listed?.status).toBe('DELETED');
    expect(listed?.revokedAt).toBeInstanceOf(Date);
    expect(await user.api.accounts.list()).toHaveLength(1);
    // Idempotent.
    expect((await user.api.consents.revoke({ consentId })).status).toBe('DELETED');
    expect((await rejection(user.api.consents.refresh({ consentId }))).code).toBe('PRECONDITION_FAILED');

    h.config.consentRevokePurge = true;
    try {
      const purged = await connectIng(user.api);
      await createAccount(h, user.user.id, purged);
      expect((await user.api.consents.revoke({ consentId: purged })).dataPurged).toBe(true);
      expect((await user.api.accounts.list()).map((a) => a.consentId)).toEqual([consentId]);
    } finally {
      h.config.consentRevokePurge = false;
    }
  });

  it('revokes locally a consent Finqware already expired', async () => {
    const user = await h.signUp();
    const consentId = await connectIng(user.api);
    const secrets = await h.context().vault.readConsentSecrets(h.em(), consentId);
    h.sandbox?.control.expireConsent({ credentialsId: secrets.credentialsId });
    expect((await user.api.consents.revoke({ consentId })).status).toBe('DELETED');
  });
});
