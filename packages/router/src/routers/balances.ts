import type { TRPCRouterRecord } from '@trpc/server';
import { findOwnedAccount } from '../access';
import { balanceHistory } from '../queries/accounts';
import { balancesHistoryInput } from '../schemas';
import { authedProcedure } from '../trpc';

export const balancesRouter = {
  history: authedProcedure.input(balancesHistoryInput).query(async ({ ctx, input }) => {
    const account = await findOwnedAccount(ctx.em, ctx.user.id, input.accountId);
    return balanceHistory(ctx.em, account.id, input);
  }),
} satisfies TRPCRouterRecord;
