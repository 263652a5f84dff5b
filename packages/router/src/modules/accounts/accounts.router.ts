import type { TRPCRouterRecord } from '@trpc/server';
import { authedProcedure } from '../../trpc';
import { findOwnedConsent } from '../consents/consents.repository';
import { listAccounts } from './account-view';
import { accountsListInput } from './accounts.schemas';

export const accountsRouter = {
  list: authedProcedure.input(accountsListInput).query(async ({ ctx, input }) => {
    if (input?.consentId) await findOwnedConsent(ctx.em, ctx.user.id, input.consentId);
    return listAccounts(ctx.em, ctx.user.id, input?.consentId);
  }),
} satisfies TRPCRouterRecord;
