import type { TRPCRouterRecord } from '@trpc/server';
import { authedProcedure } from '../../trpc';
import { cashflow, topCounterparties } from './insights.repository';
import { cashflowInput, topCounterpartiesInput } from './insights.schemas';

export const insightsRouter = {
  /** Booked inflow, outflow and net per month or week and currency. */
  cashflow: authedProcedure
    .input(cashflowInput)
    .query(({ ctx, input }) => cashflow(ctx.em, ctx.user.id, input)),
  /** The counterparties that moved the most money, per currency. */
  topCounterparties: authedProcedure
    .input(topCounterpartiesInput)
    .query(({ ctx, input }) => topCounterparties(ctx.em, ctx.user.id, input)),
} satisfies TRPCRouterRecord;
