import type { EntityManager } from '@mikro-orm/core';
import type { EntityManager as PgEntityManager } from '@mikro-orm/postgresql';
import { db } from '../db/database';
import type { PaymentStatus } from '../entities/enums';
import { isFinalPaymentStatus, statusesBefore } from './lifecycle';

export type PaymentStatusMove = {
  paymentId: string;
  to: PaymentStatus;
  /** The bank's code that caused the move, when one did. */
  bankStatus?: string | null;
  reason?: string | null;
  at: Date;
  /** Move only from these (default: every status before `to`, so never backwards and never out of a final one). */
  from?: readonly PaymentStatus[];
};

/**
 * Moves a payment forward and records the event, in one statement: a payment's status and its
 * history cannot disagree, and two writers racing on one payment (a poll and its retry, the
 * callback and a sweep) cannot both move it. Answers whether it moved.
 */
export async function movePaymentStatus(em: EntityManager, move: PaymentStatusMove): Promise<boolean> {
  const from = move.from ?? statusesBefore(move.to);
  if (from.length === 0) return false;
  const final = isFinalPaymentStatus(move.to);
  const moved = await db(em as PgEntityManager)
    .with('moved', (q) =>
      q
        .updateTable('payments')
        .set((eb) => ({
          status: move.to,
          status_reason: move.reason ?? null,
          bank_status: eb.fn.coalesce(eb.val(move.bankStatus ?? null), eb.ref('bank_status')),
          authorised_at:
            move.to === 'AUTHORISED'
              ? eb.fn.coalesce(eb.ref('authorised_at'), eb.val(move.at))
              : eb.ref('authorised_at'),
          finished_at: final ? move.at : null,
          updated_at: move.at,
        }))
        .where('id', '=', move.paymentId)
        .where('status', 'in', from)
        .returning('id'),
    )
    .insertInto('payment_events')
    .columns(['payment_id', 'status', 'bank_status', 'reason', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('moved')
        .select((s) => [
          'moved.id',
          s.val(move.to).as('status'),
          s.val(move.bankStatus ?? null).as('bank_status'),
          s.val(move.reason ?? null).as('reason'),
          s.val(move.at).as('created_at'),
        ]),
    )
    .returning('payment_id')
    .execute();
  return moved.length > 0;
}

/** Records the bank's latest code without a move (the same status read again keeps the history short). */
export async function noteBankStatus(em: EntityManager, paymentId: string, bankStatus: string, at: Date) {
  await db(em as PgEntityManager)
    .updateTable('payments')
    .set({ bank_status: bankStatus, updated_at: at })
    .where('id', '=', paymentId)
    .where('bank_status', 'is distinct from', bankStatus)
    .execute();
}
