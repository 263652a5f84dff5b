import type { TRPCRouterRecord } from '@trpc/server';
import { fromFinqwareError, isFinqwareError, preconditionFailed, tooManyRequests } from '../../errors';
import { authedProcedure } from '../../trpc';
import { type ConsentView, toConsentView } from './consent-view';
import {
  findOwnedConsent,
  listConsents,
  manualSyncWait,
  markConsentRevoked,
  recordManualSync,
} from './consents.repository';
import { consentIdInput } from './consents.schemas';

export const consentsRouter = {
  list: authedProcedure.query(async ({ ctx }): Promise<ConsentView[]> => {
    return (await listConsents(ctx.em, ctx.user.id)).map(toConsentView);
  }),

  /**
   * Enqueues a sync now. One manual refresh per consent per SYNC_REFRESH_COOLDOWN_SECONDS; the
   * consent row lock serialises concurrent requests so the check and the enqueue are atomic.
   */
  refresh: authedProcedure
    .input(consentIdInput)
    .mutation(async ({ ctx, input }): Promise<{ consentId: string; queued: boolean }> => {
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
        const wait = await manualSyncWait(em, consent.id, ctx.config.syncRefreshCooldownSeconds);
        if (wait > 0) throw tooManyRequests('This consent was refreshed recently', wait);
        const jobId = await ctx.jobs.enqueueConsentSync({ consentId: consent.id, reason: 'manual' }, em);
        // A job the queue dropped (one already waits for this consent) starts no cooldown.
        if (jobId !== null) await recordManualSync(em, consent.id);
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
    await ctx.em.transactional((em) =>
      markConsentRevoked(em, { id: consent.id, userId: ctx.user.id }, ctx.clock(), purged),
    );
    return { consentId: consent.id, status: 'DELETED' as const, dataPurged: purged };
  }),
} satisfies TRPCRouterRecord;
