import { movePaymentStatus, PAYMENT_REASONS } from '@tenant/domain';
import { isFinqwareError } from '../../errors';
import { endLease, takeReturnToken } from '../../services/session-lease';
import type { PaymentDeps } from './payment-view';
import {
  closePaymentSession,
  findOwnedPaymentSession,
  findPaymentById,
  markTokenReceived,
  storePaymentSecrets,
} from './payments.repository';

const AUTHORISED_OR_LATER = new Set(['AUTHORISED', 'ACCEPTED', 'SETTLED']);
const EXCHANGE_ATTEMPTS = 3;

export function isAuthorisedOrLater(status: string): boolean {
  return AUTHORISED_OR_LATER.has(status);
}

/**
 * The PSU (or the bank) refused the payment at the bank: REJECTED (`denied_at_bank`). Run by the
 * callback, which only ever records what the bank sent: no money moves on a refusal.
 */
export async function rejectAtBank(deps: PaymentDeps, paymentId: string, sessionId: string): Promise<void> {
  await deps.em.transactional(async (em) => {
    const at = deps.clock();
    await movePaymentStatus(em, {
      paymentId,
      to: 'REJECTED',
      reason: PAYMENT_REASONS.deniedAtBank,
      from: ['PENDING'],
      at,
    });
    await closePaymentSession(em, sessionId, 'FAILED', at);
  });
  deps.logger.info({ paymentId, sessionId }, 'payment refused at the bank');
}

/**
 * Finishes the bank's return of this user's payment, from their own payments.get: the temp token
 * the callback recorded is taken once (with the session's lease) and exchanged for the payment
 * consent outside any transaction; its pair is stored through the vault in the transaction that
 * moves the payment to AUTHORISED and enqueues its first status poll. Nothing to do (the common
 * case) costs one read.
 */
export async function finishPaymentReturn(
  deps: PaymentDeps,
  userId: string,
  paymentId: string,
): Promise<void> {
  const payment = await findOwnedPaymentSession(deps.em, userId, paymentId);
  if (!payment?.sessionId || payment.status !== 'PENDING' || !payment.hasReturnToken) return;
  const sessionId = payment.sessionId;
  const taken = await takeReturnToken(deps.em, userId, sessionId, deps.config.connectLeaseSeconds);
  if (!taken) return;
  let tempToken: string;
  try {
    tempToken = deps.vault.openReturnToken(sessionId, taken.sealedToken);
  } catch {
    // Unusable (sealed under a key no longer configured): like a token we could not exchange.
    deps.logger.warn({ paymentId, sessionId }, 'bank return token could not be opened');
    await markTokenReceived(deps.em, sessionId, deps.clock());
    await endLease(deps.em, taken);
    return;
  }
  // Known before the exchange: if its answer is lost, the payment is known to be authorised.
  await markTokenReceived(deps.em, sessionId, deps.clock());
  const pair = await exchange(deps, tempToken, paymentId);
  if (!pair) {
    await endLease(deps.em, taken);
    return;
  }
  // The token stands for the payment the PSU approved, whichever session it came back through: the
  // bank echoes our end-to-end id (the payment id). A token brought to another user's session (a
  // forged or misrouted callback) authorises its own payment, never the session's.
  const owner = await paymentOfToken(deps, pair, paymentId);
  const moved = await deps.em.transactional(async (em) => {
    await endLease(em, taken);
    const at = deps.clock();
    await storePaymentSecrets(em, owner, deps.vault.sealPaymentSecrets(owner, pair));
    const ok = await movePaymentStatus(em, { paymentId: owner, to: 'AUTHORISED', from: ['PENDING'], at });
    if (!ok) return false;
    if (owner === paymentId) await closePaymentSession(em, sessionId, 'COMPLETED', at);
    await deps.jobs.enqueuePaymentStatus(owner, em);
    return true;
  });
  deps.logger.info({ paymentId: owner, sessionId, moved }, 'payment authorised at the bank');
  if (owner !== paymentId) {
    // This session's own payment is still waiting for its PSU: its bank step is current again.
    await markTokenReceived(deps.em, sessionId, deps.clock(), { undo: true });
    deps.logger.warn({ paymentId, sessionId }, 'bank callback carried the token of another payment');
  }
}

/** The end-to-end id of the payment a consent pair is for, as "get payment" echoes it. */
function endToEndIdOf(raw: unknown): string | undefined {
  const result = (raw as { result?: { data?: unknown } } | undefined)?.result;
  const info = (
    result?.data as { payment_info?: { credit_transfer_transactions?: { end_to_end_id?: unknown }[] }[] }
  )?.payment_info?.[0]?.credit_transfer_transactions?.[0]?.end_to_end_id;
  return typeof info === 'string' ? info : undefined;
}

/**
 * The payment a token's consent belongs to: the session's own, unless the bank's echo names
 * another payment of ours. Without an answer or an echo the session's payment is trusted.
 */
async function paymentOfToken(
  deps: PaymentDeps,
  pair: { credentialsId: string; accessToken: string },
  sessionPaymentId: string,
): Promise<string> {
  let echoed: string | undefined;
  try {
    echoed = endToEndIdOf((await deps.fq.payments.get(pair)).raw);
  } catch {
    return sessionPaymentId;
  }
  if (!echoed || echoed === sessionPaymentId.replaceAll('-', '')) return sessionPaymentId;
  const id = /^[0-9a-f]{32}$/.test(echoed)
    ? `${echoed.slice(0, 8)}-${echoed.slice(8, 12)}-${echoed.slice(12, 16)}-${echoed.slice(16, 20)}-${echoed.slice(20)}`
    : undefined;
  const other = id ? await findPaymentById(deps.em, id) : undefined;
  return other?.id ?? sessionPaymentId;
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
