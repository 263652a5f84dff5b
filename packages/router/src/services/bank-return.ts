import { db } from '@tenant/domain';
import { findCurrentStep, findSessionForCallback } from '../access';
import { isAuthorisedOrLater, rejectAtBank } from '../modules/payments/complete-payment';
import { findPaymentBySession, markTokenReceived } from '../modules/payments/payments.repository';
import { isExpired } from './connect-flow';
import { type FlowDeps, markSessionFailed } from './consent-completion';
import { isRedirectKind } from './steps';

/**
 * GET /connect/callback: the bank (through Finqware) sends the browser back with a temp_token, or
 * with an error. The callback is not authenticated, and anyone holding a session id can call it
 * with any token, so it exchanges nothing: it records the token on the session (sealed by the
 * vault) for the session's owner, whose authenticated connect.get or payments.get exchanges it and
 * checks with Finqware that the consent is theirs (consent-completion.ts, complete-payment.ts).
 * A refusal at the bank ends the session (or rejects the payment) at once: nothing is gained by it.
 *
 * A later return overwrites an earlier one that was not taken yet: the PSU's own return comes
 * through the browser that started the flow, and a token brought by someone else fails the
 * owner's check rather than being stored.
 */

export type CallbackOutcome = {
  sessionId: string;
  /** `returned`: the token waits for the owner's call; `done`: already completed. */
  status: 'returned' | 'done' | 'failed';
  reason?: string;
  /** Set when the session was a payment's (the front-end shows the payment). */
  paymentId?: string;
};

const REASON = /^[a-z_]{1,40}$/;

export async function recordBankReturn(
  deps: FlowDeps,
  input: { sessionId: string; tempToken?: string | undefined; error?: string | undefined },
): Promise<CallbackOutcome> {
  const session = await findSessionForCallback(deps.em, input.sessionId);
  if (!session) return { sessionId: input.sessionId, status: 'failed', reason: 'unknown_session' };
  const payment = await findPaymentBySession(deps.em, session.id);
  const outcome = (o: Omit<CallbackOutcome, 'sessionId' | 'paymentId'>): CallbackOutcome => ({
    sessionId: session.id,
    ...o,
    ...(payment ? { paymentId: payment.id } : {}),
  });
  if (session.status === 'COMPLETED' || (payment && isAuthorisedOrLater(payment.status))) {
    return outcome({ status: 'done' });
  }
  const now = deps.clock();
  if (
    session.status !== 'IN_PROGRESS' ||
    isExpired(session, now) ||
    (payment && payment.status !== 'PENDING')
  ) {
    return outcome({ status: 'failed', reason: payment ? 'payment_ended' : 'session_ended' });
  }
  const step = await findCurrentStep(deps.em, session.id);
  if (!step || !isRedirectKind(step.kind) || !step.redirect_url) {
    // A reload of the bank's return page, before its owner took the token: nothing new.
    if (session.returned_at) return outcome({ status: 'returned' });
    return outcome({ status: 'failed', reason: 'unexpected_callback' });
  }

  if (!input.tempToken) {
    const reason = input.error && REASON.test(input.error) ? input.error : 'bank_error';
    if (payment) {
      await rejectAtBank(deps, payment.id, session.id);
      return outcome({ status: 'failed', reason: 'denied_at_bank' });
    }
    await deps.em.transactional((em) => markSessionFailed(em, session.id, reason, now));
    deps.logger.info({ sessionId: session.id, reason }, 'connect session failed at the bank');
    return outcome({ status: 'failed', reason });
  }

  await deps.em.transactional(async (em) => {
    await db(em)
      .updateTable('sessions')
      .set({
        return_token_enc: deps.vault.sealReturnToken(session.id, input.tempToken ?? ''),
        returned_at: now,
        updated_at: now,
      })
      .where('id', '=', session.id)
      .where('status', '=', 'IN_PROGRESS')
      .execute();
    // A payment's PSU came back with a token: they did authorise it. Should its owner never come
    // back for it, the payments sweep knows the payment's outcome is unknown, not "never paid".
    if (payment) await markTokenReceived(em, session.id, now);
  });
  deps.logger.info({ sessionId: session.id, paymentId: payment?.id }, 'bank return recorded for its owner');
  return outcome({ status: 'returned' });
}
