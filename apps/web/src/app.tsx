import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { createQueryClient, createTrpcClient, TRPCProvider } from './api/trpc';
import { session } from './auth/session';
import { createAppRouter } from './router';

/** The providers, as @trpc/tanstack-react-query sets them up: TanStack Query, then tRPC, then routes. */
export function App() {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(() => createTrpcClient());
  const [router] = useState(createAppRouter);
  // Signed out (an expired token, another tab): re-run the route guards, which send the page to sign-in.
  useEffect(
    () =>
      session.subscribe(() => {
        if (!session.token()) void router.invalidate();
      }),
    [router],
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <RouterProvider router={router} />
      </TRPCProvider>
    </QueryClientProvider>
  );
}
