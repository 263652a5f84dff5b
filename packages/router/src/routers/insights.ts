import type { TRPCRouterRecord } from '@trpc/server';
import { cashflow, topCounterparties } from '../queries/insights';
import { cashflowInput, topCounterpartiesInput } from '../schemas';
import { authedProcedure } from '../trpc';

export const insightsRouter = {
  cashflow: authedProcedure
    .input(cashflowInput)
    .query(({ ctx, input }) => cashflow(ctx.em, ctx.user.id, input)),
  topCounterparties: authedProcedure
    .input(topCounterpartiesInput)
    .query(({ ctx, input }) => topCounterparties(ctx.em, ctx.user.id, input)),
} satisfies TRPCRouterRecord;
