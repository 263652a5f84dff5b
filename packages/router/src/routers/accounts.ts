import { findOwnedConsent } from '../access';
import { listAccounts } from '../queries/accounts';
import { accountsListInput } from '../schemas';
import { authedProcedure, router } from '../trpc';

export const accountsRouter = router({
  list: authedProcedure.input(accountsListInput).query(async ({ ctx, input }) => {
    if (input?.consentId) await findOwnedConsent(ctx.em, ctx.user.id, input.consentId);
    return listAccounts(ctx.em, ctx.user.id, input?.consentId);
  }),
});
