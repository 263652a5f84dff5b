import type { TRPCRouterRecord } from '@trpc/server';
import type { Context } from '../context';
import { connectSessionInput, connectStartInput, connectSubmitInput } from '../schemas';
import { type FlowDeps, getConnect, startConnect, submitConnect } from '../services/connect-flow';
import { authedProcedure } from '../trpc';

export function flowDeps(ctx: Context): FlowDeps {
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

export const connectRouter = {
  start: authedProcedure
    .input(connectStartInput)
    .mutation(({ ctx, input }) => startConnect(flowDeps(ctx), ctx.user, input.skillId)),

  submit: authedProcedure
    .input(connectSubmitInput)
    .mutation(({ ctx, input }) => submitConnect(flowDeps(ctx), ctx.user, input)),

  /** Where the flow stands: the current step, done with the consent, or failed/expired. */
  get: authedProcedure
    .input(connectSessionInput)
    .query(({ ctx, input }) => getConnect(flowDeps(ctx), ctx.user.id, input.sessionId)),
} satisfies TRPCRouterRecord;
