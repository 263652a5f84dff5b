import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type ConsentSecrets,
  db,
  isFinalPaymentStatus,
  movePaymentStatus,
  nextPaymentPollSeconds,
  noteBankStatus,
  PAYMENT_REASONS,
  PAYMENT_TRACKING,
  type PaymentStatus,
  statusesBefore,
  statusOfBankCode,
} from '@tenant/domain';
import { classifyError, type SyncError } from '../errors';
import type { EngineLogger } from '../sync-consent';

/** The slice of `@tenant/finqware-client` a poll calls ("get payment"). */
export type PaymentStatusPort = {
  payments: {
    get(
      auth: { credentialsId: string; accessToken: string },
      options?: { signal?: AbortSignal },
    ): Promise<{ paymentId?: string; status: string; statusReason?: string }>;
  };
};

/** Opens a payment's consent pair (the vault); the worker passes the domain's readPaymentSecrets. */
export type PaymentSecretsReader = (row: {
  id: string;
  credentials_id_enc: string;
  access_token_enc: string;
}) => ConsentSecrets;

export type PaymentTrackerDeps = {
  finqware: PaymentStatusPort;
  readSecrets: PaymentSecretsReader;
  now?: () => Date;
  logger?: EngineLogger;
};

/** What one poll did, and whether another must follow. */
export type PollResult =
  | { outcome: 'final'; status: PaymentStatus; bankStatus?: string }
  | {
      outcome: 'poll_again';
      status: PaymentStatus;
      delaySeconds: number;
      bankStatus?: string;
      error?: SyncError;
    }
  /** Nothing to poll: the payment is gone, not authorised yet, or already final. */
  | { outcome: 'skipped'; why: 'not_found' | 'not_authorised' | 'final' };

/**
 * One poll of an authorised payment: read "get payment" once, move the status forward when the
 * bank's code says so, and say when to poll next. No transaction is open during the call (the row
 * is read first, the move is one statement after). Errors follow the sync engine's classes: a
 * consent error ends the payment FAILED (`consent_invalid`), a rate limit waits the server's
 * Retry-After, anything else from Finqware is polled again later; only a database failure throws
 * (the job is retried). Past PAYMENT_TRACKING.maxDays the payment ends FAILED (`tracking_timeout`).
 */
export async function pollPayment(
  em: EntityManager,
  deps: PaymentTrackerDeps,
  paymentId: string,
): Promise<PollResult> {
  const now = deps.now ?? (() => new Date());
  const row = await db(em)
    .selectFrom('payments')
    .select([
      'id',
      'status',
      'authorised_at',
      'credentials_id_enc',
      'access_token_enc',
      'finqware_payment_id',
    ])
    .where('id', '=', paymentId)
    .executeTakeFirst();
  if (!row) return { outcome: 'skipped', why: 'not_found' };
  if (isFinalPaymentStatus(row.status)) return { outcome: 'skipped', why: 'final' };
  if (!row.authorised_at || !row.credentials_id_enc || !row.access_token_enc) {
    return { outcome: 'skipped', why: 'not_authorised' };
  }
  const ageSeconds = (now().getTime() - row.authorised_at.getTime()) / 1000;
  if (ageSeconds > PAYMENT_TRACKING.maxDays * 86_400) {
    await movePaymentStatus(em, {
      paymentId,
      to: 'FAILED',
      reason: PAYMENT_REASONS.trackingTimeout,
      at: now(),
    });
    deps.logger?.warn({ paymentId, status: row.status }, 'payment tracking gave up: no final status in time');
    return { outcome: 'final', status: 'FAILED' };
  }
  const secrets = deps.readSecrets({
    id: row.id,
    credentials_id_enc: row.credentials_id_enc,
    access_token_enc: row.access_token_enc,
  });

  let info: Awaited<ReturnType<PaymentStatusPort['payments']['get']>>;
  try {
    info = await deps.finqware.payments.get(secrets, {
      signal: AbortSignal.timeout(PAYMENT_TRACKING.callTimeoutSeconds * 1000),
    });
  } catch (err) {
    const error = classifyError(err);
    if (error.errorClass === 'consent') {
      await movePaymentStatus(em, {
        paymentId,
        to: 'FAILED',
        reason: PAYMENT_REASONS.consentInvalid,
        at: now(),
      });
      deps.logger?.warn({ paymentId, ...error.toJSON() }, 'payment consent no longer valid');
      return { outcome: 'final', status: 'FAILED' };
    }
    const delaySeconds =
      error.errorClass === 'rate_limit' && error.options.retryAfterMs !== undefined
        ? Math.max(1, Math.ceil(error.options.retryAfterMs / 1000))
        : nextPaymentPollSeconds(ageSeconds);
    deps.logger?.warn({ paymentId, delaySeconds, ...error.toJSON() }, 'payment poll failed; polling again');
    return { outcome: 'poll_again', status: row.status, delaySeconds, error };
  }

  const at = now();
  if (info.paymentId && !row.finqware_payment_id) {
    await db(em)
      .updateTable('payments')
      .set({ finqware_payment_id: info.paymentId })
      .where('id', '=', paymentId)
      .where('finqware_payment_id', 'is', null)
      .execute();
  }
  const next = statusOfBankCode(info.status);
  if (next === undefined) {
    await noteBankStatus(em, paymentId, info.status, at);
    deps.logger?.warn({ paymentId, bankStatus: info.status }, 'unknown bank payment status; polling again');
    return {
      outcome: 'poll_again',
      status: row.status,
      delaySeconds: nextPaymentPollSeconds(ageSeconds),
      bankStatus: info.status,
    };
  }
  let status = row.status;
  if (statusesBefore(next).includes(row.status)) {
    const reason = next === 'REJECTED' ? (info.statusReason ?? null) : null;
    if (await movePaymentStatus(em, { paymentId, to: next, bankStatus: info.status, reason, at }))
      status = next;
  } else {
    await noteBankStatus(em, paymentId, info.status, at);
  }
  if (isFinalPaymentStatus(next)) return { outcome: 'final', status: next, bankStatus: info.status };
  return {
    outcome: 'poll_again',
    status,
    delaySeconds: nextPaymentPollSeconds(ageSeconds),
    bankStatus: info.status,
  };
}
