import type {
  inferRouterInputs,
  inferRouterOutputs,
  TRPCBuiltRouter,
  TRPCDecorateCreateRouterOptions,
} from '@trpc/server';
import type { TenantErrorShape } from './errors';
import { accountsRouter } from './modules/accounts/accounts.router';
import { authRouter } from './modules/auth/auth.router';
import { balancesRouter } from './modules/balances/balances.router';
import { catalogRouter } from './modules/catalog/catalog.router';
import { consentsRouter } from './modules/consents/consents.router';
import { insightsRouter } from './modules/insights/insights.router';
import { paymentsRouter } from './modules/payments/payments.router';
import { syncRouter } from './modules/sync/sync.router';
import { transactionsRouter } from './modules/transactions/transactions.router';
import { connectRouter } from './routers/connect';
import { router } from './trpc';

/**
 * Every procedure by path. Sub-routers are plain records (not `router()` calls), so this object's
 * type holds procedures' inputs, outputs and error shape and nothing of the server's Context.
 */
const procedures = {
  auth: authRouter,
  catalog: catalogRouter,
  connect: connectRouter,
  consents: consentsRouter,
  accounts: accountsRouter,
  balances: balancesRouter,
  transactions: transactionsRouter,
  insights: insightsRouter,
  payments: paymentsRouter,
  sync: syncRouter,
};

export const appRouter = router(procedures);

/** The server's router type: its context is the request Context (an EntityManager, ports, logger). */
export type ServerAppRouter = typeof appRouter;

/**
 * The router as a client sees it: the same procedures and error shape, with the context left
 * out, since a client never sees it and the Context type names MikroORM, pg-boss and the ports.
 * This is the AppRouter @tenant/client bundles into its declarations; test/public-router.test.ts
 * holds its inputs and outputs equal to the server's.
 */
export type AppRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: TenantErrorShape; transformer: true },
  TRPCDecorateCreateRouterOptions<typeof procedures>
>;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
