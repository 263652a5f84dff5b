import type { TRPCRouterRecord } from '@trpc/server';
import { findOwnedAccount } from '../access';
import { listTransactions } from '../queries/transactions';
import { transactionsListInput } from '../schemas';
import { authedProcedure } from '../trpc';

export const transactionsRouter = {
  list: authedProcedure.input(transactionsListInput).query(async ({ ctx, input }) => {
    if (input.accountId) await findOwnedAccount(ctx.em, ctx.user.id, input.accountId);
    return listTransactions(ctx.em, ctx.user.id, input);
  }),
} satisfies TRPCRouterRecord;
