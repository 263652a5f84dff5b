import type { TRPCRouterRecord } from '@trpc/server';
import { findOwnedConsent } from '../access';
import { sql } from '../db';
import { fromFinqwareError, isFinqwareError, preconditionFailed, tooManyRequests } from '../errors';
import { consentIdInput } from '../schemas';
import { authedProcedure } from '../trpc';

type ConsentRow = {
  id: string;
  status: 'ACTIVE' | 'EXPIRED' | 'DELETED' | 'REAUTH_REQUIRED';
  consent_exp: Date | null;
  expires_soon: boolean;
  last_synced_at: Date | null;
  last_sync_outcome: string | null;
  revoked_at: Date | null;
  created_at: Date;
  skill_id: string;
  skill_code: string;
  skill_name: string;
  skill_kind: string;
  servicer_code: string;
  servicer_name: string;
  servicer_country: string;
  run_outcome: string | null;
  run_error_class: string | null;
  run_started_at: Date | null;
  run_finished_at: Date | null;
};

export const consentsRouter = {
  list: authedProcedure.query(async ({ ctx }) => {
    const rows = await sql(ctx.em).all<ConsentRow>(
      `select us.id, us.status, us.consent_exp, us.expires_soon, us.last_synced_at, us.last_sync_outcome,
              us.revoked_at, us.created_at,
              k.id as skill_id, k.code as skill_code, k.name as skill_name, k.kind as skill_kind,
              s.code as servicer_code, s.name as servicer_name, s.country as servicer_country,
              r.outcome as run_outcome, r.error_class as run_error_class, r.started_at as run_started_at,
              r.finished_at as run_finished_at
         from user_skills us
         join skills k on k.id = us.skill_id
         join servicers s on s.id = k.servicer_id
         left join lateral (
           select outcome, error_class, started_at, finished_at from sync_runs
            where user_skill_id = us.id order by started_at desc limit 1
         ) r on true
        where us.user_id = ?
        order by us.created_at desc, us.id desc`,
      [ctx.user.id],
    );
    return rows.map((row) => ({
      id: row.id,
      status: row.status,
      skill: { id: row.skill_id, code: row.skill_code, name: row.skill_name, kind: row.skill_kind },
      servicer: { code: row.servicer_code, name: row.servicer_name, country: row.servicer_country },
      consentExp: row.consent_exp,
      expiresSoon: row.expires_soon,
      lastSyncedAt: row.last_synced_at,
      lastSyncOutcome: row.last_sync_outcome,
      lastSync: row.run_outcome
        ? {
            outcome: row.run_outcome,
            errorClass: row.run_error_class,
            startedAt: row.run_started_at,
            finishedAt: row.run_finished_at,
          }
        : null,
      revokedAt: row.revoked_at,
      createdAt: row.created_at,
    }));
  }),

  /**
   * Enqueues a sync now. One manual refresh per consent per SYNC_REFRESH_COOLDOWN_SECONDS; the
   * consent row lock serialises concurrent requests so the check and the enqueue are atomic.
   */
  refresh: authedProcedure.input(consentIdInput).mutation(async ({ ctx, input }) => {
    return ctx.em.transactional(async (em) => {
      const consent = await findOwnedConsent(em, ctx.user.id, input.consentId, { forUpdate: true });
      if (consent.status === 'REAUTH_REQUIRED' || consent.status === 'EXPIRED') {
        throw preconditionFailed(
          'The bank consent needs to be renewed: connect the bank again',
          'REAUTH_REQUIRED',
        );
      }
      if (consent.status === 'DELETED')
        throw preconditionFailed('This consent was revoked', 'CONSENT_DELETED');
      if (consent.skill_kind !== 'aisp') {
        throw preconditionFailed('Only account-information consents have data to sync', 'NOT_SYNCABLE');
      }
      const wait = await ctx.jobs.manualSyncCooldown(consent.id, ctx.config.syncRefreshCooldownSeconds, em);
      if (wait > 0) throw tooManyRequests('This consent was refreshed recently', wait);
      const jobId = await ctx.jobs.enqueueConsentSync({ consentId: consent.id, reason: 'manual' }, em);
      return { consentId: consent.id, queued: jobId !== null };
    });
  }),

  /**
   * Deletes the consent at Finqware (idempotent there) and marks it DELETED here; queued syncs
   * become no-ops because the worker checks the status. Cached data is purged only when
   * CONSENT_REVOKE_PURGE is set.
   */
  revoke: authedProcedure.input(consentIdInput).mutation(async ({ ctx, input }) => {
    const consent = await findOwnedConsent(ctx.em, ctx.user.id, input.consentId);
    const purged = ctx.config.consentRevokePurge;
    if (consent.status !== 'DELETED') {
      const secrets = await ctx.vault.readConsentSecrets(ctx.em, consent.id);
      try {
        // When we purge our copy, ask Finqware to drop its cached data at once too (0 minutes).
        await ctx.fq.consents.delete(purged ? { ...secrets, pcdDataRetention: 0 } : secrets);
      } catch (err) {
        // A consent Finqware already considers gone (expired/revoked at the bank) is still ours to delete.
        if (!(isFinqwareError(err) && err.kind === 'consent')) {
          throw isFinqwareError(err) ? fromFinqwareError(err) : err;
        }
      }
    }
    await ctx.em.transactional(async (em) => {
      const now = ctx.clock();
      await sql(em).run(
        `update user_skills set status = 'DELETED', revoked_at = coalesce(revoked_at, ?), next_sync_at = null,
                updated_at = ? where id = ? and user_id = ?`,
        [now, now, consent.id, ctx.user.id],
      );
      if (purged)
        await sql(em).run('delete from accounts where user_skill_id = ? and user_id = ?', [
          consent.id,
          ctx.user.id,
        ]);
    });
    return { consentId: consent.id, status: 'DELETED' as const, dataPurged: purged };
  }),
} satisfies TRPCRouterRecord;
