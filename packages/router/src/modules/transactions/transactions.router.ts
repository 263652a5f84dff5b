import type { TRPCRouterRecord } from '@trpc/server';
import { authedProcedure } from '../../trpc';
import { findOwnedAccount } from '../accounts/accounts.repository';
import { listTransactions } from './transaction-view';
import { transactionsListInput } from './transactions.schemas';

export const transactionsRouter = {
  list: authedProcedure.input(transactionsListInput).query(async ({ ctx, input }) => {
    if (input.accountId) await findOwnedAccount(ctx.em, ctx.user.id, input.accountId);
    return listTransactions(ctx.em, ctx.user.id, input);
  }),
} satisfies TRPCRouterRecord;
