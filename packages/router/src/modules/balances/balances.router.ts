import type { TRPCRouterRecord } from '@trpc/server';
import { authedProcedure } from '../../trpc';
import type { BalanceView } from '../accounts/account-view';
import { findOwnedAccount } from '../accounts/accounts.repository';
import { balanceHistory } from './balances.repository';
import { balancesHistoryInput } from './balances.schemas';

/** What `balances.history` answers per stored balance: a balance as accounts.list shows it, with its id. */
export type BalanceHistoryItem = BalanceView & { id: string };

export const balancesRouter = {
  history: authedProcedure
    .input(balancesHistoryInput)
    .query(async ({ ctx, input }): Promise<BalanceHistoryItem[]> => {
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
