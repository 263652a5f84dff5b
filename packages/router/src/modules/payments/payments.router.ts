import type { TRPCRouterRecord } from '@trpc/server';
import type { Context } from '../../context';
import { authedProcedure } from '../../trpc';
import { finishPaymentReturn } from './complete-payment';
import { initiatePayment } from './initiate-payment';
import { type PaymentDeps, paymentList, paymentView } from './payment-view';
import { paymentsGetInput, paymentsInitiateInput, paymentsListInput } from './payments.schemas';

export function paymentDeps(ctx: Context): PaymentDeps {
  return {
    em: ctx.em,
    fq: ctx.fq,
    vault: ctx.vault,
    jobs: ctx.jobs,
    config: ctx.config,
    clock: ctx.clock,
    logger: ctx.logger,
  };
}

export const paymentsRouter = {
  /**
   * Initiates a payment (or returns the one already initiated with this idempotency key): the
   * payment, PENDING, with the bank page to authorise it at (`redirectUrl`).
   */
  initiate: authedProcedure
    .input(paymentsInitiateInput)
    .mutation(({ ctx, input }) => initiatePayment(paymentDeps(ctx), ctx.user, input)),

  /**
   * One payment with its status history. When the bank has sent this user back from authorising
   * it, this call (the owner's) finishes that first: the callback only records the bank's token.
   */
  get: authedProcedure.input(paymentsGetInput).query(async ({ ctx, input }) => {
    await finishPaymentReturn(paymentDeps(ctx), ctx.user.id, input.paymentId);
    return paymentView(paymentDeps(ctx), ctx.user.id, input.paymentId);
  }),

  /** The user's payments, newest first; `nextCursor` (null at the end) fetches the next page. */
  list: authedProcedure
    .input(paymentsListInput)
    .query(({ ctx, input }) => paymentList(paymentDeps(ctx), ctx.user.id, input)),
} satisfies TRPCRouterRecord;
