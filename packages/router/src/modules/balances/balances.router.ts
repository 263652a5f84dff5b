import type { TRPCRouterRecord } from '@trpc/server';
import { authedProcedure } from '../../trpc';
import { findOwnedAccount } from '../accounts/accounts.repository';
import { balanceHistory } from './balances.repository';
import { balancesHistoryInput } from './balances.schemas';

export const balancesRouter = {
  history: authedProcedure.input(balancesHistoryInput).query(async ({ ctx, input }) => {
    const account = await findOwnedAccount(ctx.em, ctx.user.id, input.accountId);
    const rows = await balanceHistory(ctx.em, account.id, input);
    return rows.map((row) => ({
      id: row.id,
      type: row.type,
      amount: row.amount,
      creditDebitIndicator: row.credit_debit_indicator,
      currency: row.currency,
      referenceDate: row.reference_date,
      timestamp: row.finqware_timestamp,
    }));
  }),
} satisfies TRPCRouterRecord;
