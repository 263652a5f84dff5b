import type { EntityManager } from '@mikro-orm/postgresql';
import { type Database, db, PAYMENT_REASONS, PAYMENT_TRACKING } from '@tenant/domain';
import type { ExpressionBuilder } from 'kysely';

/**
 * The payments safety net, run every few minutes (payment-sweep):
 * - a PENDING payment nobody authorised within its session's life (and a grace period) ends
 *   FAILED (`not_authorised`): its bank link has expired, so it can no longer be paid. One whose
 *   PSU came back with a temp token that we could not exchange ends FAILED (`status_unknown`);
 * - every authorised, unfinished payment gets a poll sent. The payment-status queue keeps one
 *   queued poll per payment, so the sends collapse into the polls already waiting; they matter
 *   only for a payment whose poll chain was lost (retries exhausted while the database was down).
 */
export async function sweepPayments(
  em: EntityManager,
  deps: { sendPoll: (paymentId: string) => Promise<unknown>; now?: () => Date; batchSize?: number },
): Promise<{ expired: number; polled: number }> {
  const now = deps.now?.() ?? new Date();
  const cutoff = new Date(now.getTime() - PAYMENT_TRACKING.authorisationWindowSeconds * 1000);
  // A PSU who came back with a temp token did authorise: if the exchange's answer was lost the
  // payment's status is unknown to us, not "never authorised".
  const tokenReceived = (eb: ExpressionBuilder<Database, 'payments'>) =>
    eb.exists(
      eb
        .selectFrom('steps')
        .select('steps.id')
        .whereRef('steps.session_id', '=', 'payments.session_id')
        .where('steps.kind', '=', 'sca')
        .where('steps.status', '=', 'SUBMITTED'),
    );
  const expired = await db(em)
    .with('ended', (q) =>
      q
        .updateTable('payments')
        .set((eb) => ({
          status: 'FAILED',
          status_reason: eb
            .case()
            .when(tokenReceived(eb))
            .then(PAYMENT_REASONS.statusUnknown)
            .else(PAYMENT_REASONS.notAuthorised)
            .end(),
          finished_at: now,
          updated_at: now,
        }))
        .where('status', '=', 'PENDING')
        .where('created_at', '<', cutoff)
        .returning(['id', 'status_reason']),
    )
    .insertInto('payment_events')
    .columns(['payment_id', 'status', 'reason', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('ended')
        .select((s) => [
          'ended.id',
          s.val('FAILED').as('status'),
          'ended.status_reason',
          s.val(now).as('created_at'),
        ]),
    )
    .returning('payment_id')
    .execute();

  let polled = 0;
  const batchSize = deps.batchSize ?? 500;
  for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
    const rows = await db(em)
      .selectFrom('payments')
      .select('id')
      .where('status', 'in', ['AUTHORISED', 'ACCEPTED'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(batchSize)
      .execute();
    for (const row of rows) {
      await deps.sendPoll(row.id);
      polled += 1;
    }
    const last = rows.at(-1);
    if (!last || rows.length < batchSize) break;
    after = last.id;
  }
  return { expired: expired.length, polled };
}
