import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { PAYMENT_TRACKING, paymentStatusJobSchema, paymentStatusSendOptions, QUEUES } from '@tenant/domain';
import { withLogContext } from '@tenant/runtime';
import { type PaymentTrackerDeps, pollPayment, sweepPayments } from '@tenant/sync-engine';
import type { Job, PgBoss } from 'pg-boss';
import type { Logger } from './logger';

/** Sends the next poll of a payment; collapses into a poll already queued for it (stately queue). */
export function sendPaymentPoll(boss: Pick<PgBoss, 'send'>, paymentId: string, delaySeconds = 0) {
  return boss.send(
    QUEUES.paymentStatus,
    { paymentId },
    paymentStatusSendOptions(
      paymentId,
      delaySeconds > 0 ? { startAfter: new Date(Date.now() + delaySeconds * 1000) } : {},
    ),
  );
}

/**
 * payment-status: one poll per job (sync-engine `pollPayment`). While the payment is not final the
 * job sends its successor, delayed as the tracker says, before it completes; a worker killed in
 * between leaves the job to expire and be retried, and the retry's send collapses into the queued
 * successor. A database failure fails the job (pg-boss retries it).
 */
export function createPaymentStatusHandler(deps: {
  orm: MikroORM;
  boss: Pick<PgBoss, 'send'>;
  tracker: PaymentTrackerDeps;
  log: Logger;
}) {
  return async (jobs: Job<unknown>[]) => {
    for (const job of jobs) {
      // jobId is on every line written while the job runs (the worker's log context).
      await withLogContext({ jobId: job.id }, async () => {
        const parsed = paymentStatusJobSchema.safeParse(job.data);
        if (!parsed.success) {
          deps.log.error({}, 'invalid payment-status payload');
          return;
        }
        const { paymentId } = parsed.data;
        const result = await pollPayment(deps.orm.em.fork() as EntityManager, deps.tracker, paymentId);
        if (result.outcome === 'poll_again') {
          await sendPaymentPoll(deps.boss, paymentId, result.delaySeconds);
        }
        const { error: _error, ...logged } = result as { error?: unknown };
        deps.log.info({ paymentId, ...logged }, 'payment polled');
      });
    }
  };
}

/** payment-sweep (cron): ends unauthorised PENDING payments, re-sends lost polls. */
export function createPaymentSweepHandler(deps: { orm: MikroORM; boss: Pick<PgBoss, 'send'>; log: Logger }) {
  return async ([job]: Job<unknown>[]) =>
    withLogContext(job ? { jobId: job.id } : {}, async () => {
      const result = await sweepPayments(deps.orm.em.fork() as EntityManager, {
        sendPoll: (paymentId) => sendPaymentPoll(deps.boss, paymentId),
      });
      deps.log.info(result, 'payment sweep done');
      return result;
    });
}

export const PAYMENT_SWEEP_CRON = PAYMENT_TRACKING.sweepCron;
