import { movePaymentStatus, PAYMENT_REASONS } from '@tenant/domain';
import { isFinqwareError } from '../../errors';
import type { PaymentDeps } from './payment-view';
import {
  closePaymentSession,
  findPaymentBySession,
  markTokenReceived,
  storePaymentSecrets,
} from './payments.repository';

export type PaymentCallbackOutcome = {
  sessionId: string;
  status: 'done' | 'failed';
  reason?: string;
  /** The payment the session was for: the front-end shows it next. */
  paymentId: string;
};

const AUTHORISED_OR_LATER = new Set(['AUTHORISED', 'ACCEPTED', 'SETTLED']);
const EXCHANGE_ATTEMPTS = 3;

/**
 * The bank sent the PSU of a payment back through GET /connect/callback (the same route and the
 * same session binding as a connect flow). A temp token means the PSU authorised the payment: it is
 * exchanged for the payment consent (outside any transaction), whose pair is stored through the
 * vault in the transaction that moves the payment to AUTHORISED and enqueues its first status poll.
 * No token means the PSU (or the bank) refused: REJECTED (`denied_at_bank`). Undefined when the
 * session is not a payment's.
 */
export async function completePaymentCallback(
  deps: PaymentDeps,
  input: { sessionId: string; tempToken?: string | undefined; error?: string | undefined },
): Promise<PaymentCallbackOutcome | undefined> {
  const payment = await findPaymentBySession(deps.em, input.sessionId);
  if (!payment) return undefined;
  const { sessionId } = input;
  if (AUTHORISED_OR_LATER.has(payment.status)) return { sessionId, status: 'done', paymentId: payment.id };
  if (payment.status !== 'PENDING')
    return { sessionId, status: 'failed', reason: 'payment_ended', paymentId: payment.id };

  if (!input.tempToken) {
    await deps.em.transactional(async (em) => {
      const at = deps.clock();
      await movePaymentStatus(em, {
        paymentId: payment.id,
        to: 'REJECTED',
        reason: PAYMENT_REASONS.deniedAtBank,
        from: ['PENDING'],
        at,
      });
      await closePaymentSession(em, sessionId, 'FAILED', at);
    });
    deps.logger.info({ paymentId: payment.id, sessionId }, 'payment refused at the bank');
    return { sessionId, status: 'failed', reason: PAYMENT_REASONS.deniedAtBank, paymentId: payment.id };
  }

  // Known before the exchange: if its answer is lost, the payment is known to be authorised.
  await markTokenReceived(deps.em, sessionId, deps.clock());
  const pair = await exchange(deps, input.tempToken, payment.id);
  if (!pair) {
    const again = await findPaymentBySession(deps.em, sessionId);
    if (again && AUTHORISED_OR_LATER.has(again.status))
      return { sessionId, status: 'done', paymentId: payment.id };
    return { sessionId, status: 'failed', reason: 'exchange_failed', paymentId: payment.id };
  }
  const moved = await deps.em.transactional(async (em) => {
    const at = deps.clock();
    await storePaymentSecrets(em, payment.id, deps.vault.sealPaymentSecrets(payment.id, pair));
    const ok = await movePaymentStatus(em, {
      paymentId: payment.id,
      to: 'AUTHORISED',
      from: ['PENDING'],
      at,
    });
    if (!ok) return false;
    await closePaymentSession(em, sessionId, 'COMPLETED', at);
    await deps.jobs.enqueuePaymentStatus(payment.id, em);
    return true;
  });
  deps.logger.info({ paymentId: payment.id, sessionId, moved }, 'payment authorised at the bank');
  return moved
    ? { sessionId, status: 'done', paymentId: payment.id }
    : { sessionId, status: 'failed', reason: 'payment_ended', paymentId: payment.id };
}

/**
 * The temp token for the payment consent. Retried on transient and rate-limit answers: a token is
 * single use, so a retry can at worst be refused, never pay twice.
 */
async function exchange(deps: PaymentDeps, tempToken: string, paymentId: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.fq.tokens.exchange({ tempToken });
    } catch (err) {
      const retryable = isFinqwareError(err) && (err.kind === 'transient' || err.kind === 'rate_limit');
      deps.logger.warn(
        { paymentId, attempt, kind: isFinqwareError(err) ? err.kind : 'internal' },
        'payment token exchange failed',
      );
      if (!retryable || attempt >= EXCHANGE_ATTEMPTS) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
