import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { type AppRouter, tenantLinks } from '@tenant/router/client';
import { createTRPCClient } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { session } from '../auth/session';
import { errorCode } from './errors';

/** The api's tRPC endpoint, fixed when the app is built (`pnpm start` passes its own). */
export const API_URL: string = import.meta.env.VITE_TENANT_API_URL ?? 'http://127.0.0.1:3000/trpc';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function createTrpcClient(url = API_URL) {
  return createTRPCClient<AppRouter>({ links: tenantLinks({ url, token: session.token }) });
}

/**
 * One QueryClient for the app. Any call the api refuses as UNAUTHORIZED while we hold a token
 * means the token expired or was revoked: sign out and say why, wherever it happened.
 */
export function createQueryClient() {
  const onError = (error: unknown) => {
    if (errorCode(error) === 'UNAUTHORIZED' && session.token()) session.expire();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // Retrying a refusal changes nothing; a network blip or a 5xx deserves two more tries.
        retry: (failures, error) => failures < 2 && isRetryable(error),
      },
    },
  });
}

function isRetryable(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === undefined ||
    code === 'SERVICE_UNAVAILABLE' ||
    code === 'BAD_GATEWAY' ||
    code === 'INTERNAL_SERVER_ERROR'
  );
}
