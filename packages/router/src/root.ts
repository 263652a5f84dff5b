import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { accountsRouter } from './routers/accounts';
import { authRouter } from './routers/auth';
import { balancesRouter } from './routers/balances';
import { catalogRouter } from './routers/catalog';
import { connectRouter } from './routers/connect';
import { consentsRouter } from './routers/consents';
import { insightsRouter } from './routers/insights';
import { syncRouter } from './routers/sync';
import { transactionsRouter } from './routers/transactions';
import { router } from './trpc';

export const appRouter = router({
  auth: authRouter,
  catalog: catalogRouter,
  connect: connectRouter,
  consents: consentsRouter,
  accounts: accountsRouter,
  balances: balancesRouter,
  transactions: transactionsRouter,
  insights: insightsRouter,
  sync: syncRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
