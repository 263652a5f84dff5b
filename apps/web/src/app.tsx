import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { TenantProvider } from '@tenant/client/react-query';
import { useEffect, useState } from 'react';
import { createApiClient, createQueryClient } from './api/client';
import { session } from './auth/session';
import { createAppRouter } from './router';

/** The providers: TanStack Query, the typed client's integration (useTenant), then the routes. */
export function App() {
  const [queryClient] = useState(createQueryClient);
  const [client] = useState(() => createApiClient());
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
      <TenantProvider trpcClient={client} queryClient={queryClient}>
        <RouterProvider router={router} />
      </TenantProvider>
    </QueryClientProvider>
  );
}
