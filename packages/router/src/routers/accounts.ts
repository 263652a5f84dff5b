import type { TRPCRouterRecord } from '@trpc/server';
import { findOwnedConsent } from '../access';
import { listAccounts } from '../queries/accounts';
import { accountsListInput } from '../schemas';
import { authedProcedure } from '../trpc';

export const accountsRouter = {
  list: authedProcedure.input(accountsListInput).query(async ({ ctx, input }) => {
    if (input?.consentId) await findOwnedConsent(ctx.em, ctx.user.id, input.consentId);
    return listAccounts(ctx.em, ctx.user.id, input?.consentId);
  }),
} satisfies TRPCRouterRecord;
