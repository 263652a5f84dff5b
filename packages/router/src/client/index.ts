/**
 * Browser entry: a typed tRPC client for the Tenant api. It holds only `import type` of the
 * server, so bundling it pulls @trpc/client and superjson and nothing of MikroORM, pg or node
 * (test/client-bundle.test.ts proves it).
 */
import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import type { AppRouter, RouterInputs, RouterOutputs } from '../root';

export type { AppRouter, RouterInputs, RouterOutputs };

export type TenantClientOptions = {
  /** The api's tRPC endpoint, e.g. `https://api.example.com/trpc`. */
  url: string;
  /** Bearer token from auth.login / auth.register; a function is read on every request. */
  token?: string | (() => string | undefined | null);
  fetch?: typeof fetch;
};

export type TenantClient = TRPCClient<AppRouter>;

export function createTenantClient(options: TenantClientOptions): TenantClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: options.url,
        transformer: superjson,
        // The api refuses batches of more than 50 calls (maxBatchSize).
        maxItems: 50,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        headers() {
          const token = typeof options.token === 'function' ? options.token() : options.token;
          return token ? { authorization: `Bearer ${token}` } : {};
        },
      }),
    ],
  });
}
