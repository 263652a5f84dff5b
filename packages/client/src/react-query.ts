/**
 * `@tenant/client/react-query`: the Tenant api through TanStack Query, with tRPC's official
 * integration (@trpc/tanstack-react-query). React, @tanstack/react-query and the integration are
 * peer dependencies the app installs.
 */

import type { QueryClient } from '@tanstack/react-query';
import type { AppRouter } from '@tenant/router';
import { createTRPCContext, createTRPCOptionsProxy, type TRPCOptionsProxy } from '@trpc/tanstack-react-query';
import type { FunctionComponent, ReactNode } from 'react';
import type { TenantClient } from './client';

/** Query and mutation options for every procedure: `useQuery(tenant.accounts.list.queryOptions())`. */
export type TenantQueries = TRPCOptionsProxy<AppRouter>;

const context = createTRPCContext<AppRouter>();

// The three are annotated so the published declarations name their types instead of inferring
// them from tRPC's internals.

/** Makes `useTenant()` work below it: give it the client (createTenantClient) and the QueryClient. */
export const TenantProvider: FunctionComponent<{
  children: ReactNode;
  queryClient: QueryClient;
  trpcClient: TenantClient;
}> = context.TRPCProvider;

/** The options factory of the nearest TenantProvider. */
export const useTenant: () => TenantQueries = context.useTRPC;

/** The client of the nearest TenantProvider, for imperative calls (`await client.auth.logout.mutate()`). */
export const useTenantClient: () => TenantClient = context.useTRPCClient;

/** The same options outside React (route loaders, prefetching, tests). */
export function createTenantQueries(options: {
  client: TenantClient;
  queryClient: QueryClient;
}): TenantQueries {
  return createTRPCOptionsProxy<AppRouter>(options);
}
