import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { createTenantClient } from '@tenant/client';
import { session } from '../auth/session';
import { errorCode } from './errors';

/** The api's tRPC endpoint, fixed when the app is built (`pnpm start` passes its own). */
export const API_URL: string = import.meta.env.VITE_TENANT_API_URL ?? 'http://127.0.0.1:3000/trpc';

/** The typed client, reading the session's token on every call. */
export function createApiClient(url = API_URL) {
  return createTenantClient({ url, token: session.token });
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
        // Retrying a refusal changes nothing; no answer or a server failure deserves two more tries.
        retry: (failures, error) => failures < 2 && RETRYABLE.has(errorCode(error)),
      },
    },
  });
}

const RETRYABLE = new Set(['NETWORK', 'SERVICE_UNAVAILABLE', 'BAD_GATEWAY', 'INTERNAL_SERVER_ERROR']);
