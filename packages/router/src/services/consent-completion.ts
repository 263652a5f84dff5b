import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import type { ConnectSession } from '../access';
import { fromFinqwareError, isFinqwareError } from '../errors';
import type { FinqwarePort, Logger, RouterConfig, SyncJobsPort, VaultPort } from '../ports';
import { endLease, type Lease } from './session-lease';

/**
 * The end of a connect flow: a temp_token becomes a stored consent only for the user Finqware says
 * it belongs to. The exchange and the check run with the session's lease held and no transaction
 * open; only the final write is a (short) transaction.
 *
 * Why the check: the token reaches us through a browser (the bank's redirect), so whoever holds a
 * session id can bring any token to it. Finqware's data endpoints answer for a consent only with the
 * tenant_user_id it was created for, so one accounts read with the session owner's id tells whether
 * the consent is theirs. A consent that is not theirs (or that we cannot check) is neither stored
 * nor revoked: it is someone else's, and revoking it would be the attack.
 */

/** What the connect flow and its completion work with (the procedure's context, narrowed). */
export type FlowDeps = {
  em: EntityManager;
  fq: FinqwarePort;
  vault: VaultPort;
  jobs: SyncJobsPort;
  config: RouterConfig;
  clock: () => Date;
  logger: Logger;
};

/** Why a session ended FAILED, as connect.get reports it (`failure`). */
export const FAILURES = {
  exchangeFailed: 'exchange_failed',
  notAttributed: 'consent_not_attributed',
  attributionUnavailable: 'attribution_unavailable',
  tooManyWrongCredentials: 'too_many_wrong_credentials',
  bankUnavailable: 'bank_unavailable',
} as const;

type Pair = Awaited<ReturnType<FinqwarePort['tokens']['exchange']>>;

const CHECK_ATTEMPTS = 3;

/** Whose the consent behind `pair` is: the session owner's, someone else's, or unknown (Finqware down). */
async function ownerCheck(
  deps: FlowDeps,
  pair: Pair,
  tenantUserId: string,
): Promise<'owner' | 'not_owner' | 'unknown'> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.fq.accounts.list({
        credentialsId: pair.credentialsId,
        accessToken: pair.accessToken,
        tenantUserId,
      });
      return 'owner';
    } catch (err) {
      if (!isFinqwareError(err)) throw err;
      if (err.kind === 'consent' || err.kind === 'client') return 'not_owner';
      if (attempt >= CHECK_ATTEMPTS) return 'unknown';
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** Ends the session FAILED for `reason`, if the lease is still ours. */
export async function failSession(deps: FlowDeps, lease: Lease, reason: string): Promise<void> {
  await deps.em.transactional(async (em) => {
    if (await endLease(em, lease)) await markSessionFailed(em, lease.sessionId, reason, deps.clock());
  });
}

/**
 * Ends an open session FAILED for `reason` (its current step with it) and forgets its secrets.
 * Run inside the caller's transaction, after whatever check entitles it to.
 */
export async function markSessionFailed(
  em: EntityManager,
  sessionId: string,
  reason: string,
  now: Date,
): Promise<void> {
  await db(em)
    .updateTable('steps')
    .set({ status: 'FAILED', updated_at: now })
    .where('session_id', '=', sessionId)
    .where('status', '=', 'CURRENT')
    .execute();
  await db(em)
    .updateTable('sessions')
    .set({
      status: 'FAILED',
      failure_reason: reason,
      nonce_enc: null,
      return_token_enc: null,
      updated_at: now,
    })
    .where('id', '=', sessionId)
    .where('status', '=', 'IN_PROGRESS')
    .execute();
}

/** Gives the lease back and keeps the token for the owner's next call (Finqware was unavailable). */
async function keepTokenForRetry(deps: FlowDeps, lease: Lease, tempToken: string): Promise<void> {
  await deps.em.transactional(async (em) => {
    if (!(await endLease(em, lease))) return;
    const sealed = deps.vault.sealReturnToken(lease.sessionId, tempToken);
    await db(em)
      .updateTable('sessions')
      .set((eb) => ({ return_token_enc: eb.fn.coalesce('return_token_enc', eb.val(sealed)) }))
      .where('id', '=', lease.sessionId)
      .where('status', '=', 'IN_PROGRESS')
      .execute();
  });
}

/**
 * Exchanges `tempToken`, checks the consent is the session owner's, and stores it (completing the
 * session) — or ends the session FAILED. The caller holds `lease`; it is always given back. A
 * Finqware outage during the exchange keeps the token for the owner's next call and rethrows.
 */
export async function completeWithToken(
  deps: FlowDeps,
  session: ConnectSession,
  lease: Lease,
  tempToken: string,
  finqwareStepId?: string,
): Promise<void> {
  let pair: Pair;
  try {
    pair = await deps.fq.tokens.exchange({ tempToken });
  } catch (err) {
    if (isFinqwareError(err) && (err.kind === 'transient' || err.kind === 'rate_limit')) {
      await keepTokenForRetry(deps, lease, tempToken);
      throw fromFinqwareError(err);
    }
    deps.logger.warn(
      { sessionId: session.id, kind: isFinqwareError(err) ? err.kind : 'internal' },
      'connect token exchange failed',
    );
    await failSession(deps, lease, FAILURES.exchangeFailed);
    if (!isFinqwareError(err)) throw err;
    return;
  }

  const owner = await ownerCheck(deps, pair, session.tenant_user_id);
  if (owner !== 'owner') {
    // Someone brought a token that is not this user's (or Finqware could not tell us): the consent
    // stays at Finqware untouched; only its owner's own session can claim it.
    deps.logger.warn({ sessionId: session.id, owner }, 'connect token is not the session owner’s consent');
    await failSession(
      deps,
      lease,
      owner === 'not_owner' ? FAILURES.notAttributed : FAILURES.attributionUnavailable,
    );
    return;
  }

  const consentId = await deps.em.transactional(async (em) => {
    if (!(await endLease(em, lease))) return undefined;
    const { consentId } = await deps.vault.storeConsent(em, {
      userId: session.user_id,
      skillId: session.skill_id,
      credentialsId: pair.credentialsId,
      accessToken: pair.accessToken,
      consentExp: pair.consentExp ? new Date(pair.consentExp) : null,
      maxDataRetention: pair.maxDataRetention ? new Date(pair.maxDataRetention) : null,
    });
    // Only account-information consents have data to sync; payment and product consents are kept
    // so they can be listed and revoked.
    if (session.skill_kind === 'aisp') {
      await deps.jobs.enqueueConsentSync({ consentId, reason: 'initial' }, em);
    }
    const now = deps.clock();
    await db(em)
      .updateTable('steps')
      .set((eb) => ({
        status: 'SUBMITTED',
        submitted_at: now,
        finqware_step_id: eb.fn.coalesce(eb.val(finqwareStepId ?? null), 'finqware_step_id'),
        updated_at: now,
      }))
      .where('session_id', '=', session.id)
      .where('status', '=', 'CURRENT')
      .execute();
    await db(em)
      .updateTable('sessions')
      .set({
        status: 'COMPLETED',
        user_skill_id: consentId,
        nonce_enc: null,
        return_token_enc: null,
        updated_at: now,
      })
      .where('id', '=', session.id)
      .execute();
    return consentId;
  });
  if (consentId) deps.logger.info({ sessionId: session.id, consentId }, 'connect session completed');
}
