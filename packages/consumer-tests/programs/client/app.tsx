// The README's React setup, type-checked with React's and TanStack Query's own types.
import {
  QueryClient,
  QueryClientProvider,
  useInfiniteQuery,
  useMutation,
  useQuery,
} from '@tanstack/react-query';
import { createTenantClient, tenantError } from '@tenant/client';
import { createTenantQueries, TenantProvider, useTenant } from '@tenant/client/react-query';

const queryClient = new QueryClient();
const client = createTenantClient({ url: '/trpc', token: () => localStorage.getItem('token') });

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <TenantProvider trpcClient={client} queryClient={queryClient}>
        <Transactions />
      </TenantProvider>
    </QueryClientProvider>
  );
}

function Transactions() {
  const tenant = useTenant();
  const consents = useQuery(tenant.consents.list.queryOptions());
  const refresh = useMutation(tenant.consents.refresh.mutationOptions());
  const pages = useInfiniteQuery(
    tenant.transactions.list.infiniteQueryOptions(
      { limit: 100 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const first: string | undefined = consents.data?.[0]?.id;
  const amounts: string[] = pages.data?.pages.flatMap((page) => page.items.map((item) => item.amount)) ?? [];
  const problem = refresh.error ? tenantError(refresh.error).reason : undefined;
  return (
    <button type="button" disabled={!first} onClick={() => first && refresh.mutate({ consentId: first })}>
      {amounts.length} {problem}
    </button>
  );
}

export const prefetchSkills = () =>
  queryClient.prefetchQuery(createTenantQueries({ client, queryClient }).catalog.skills.queryOptions());
