/**
 * Browser entry: a typed tRPC client for the Tenant api. It holds only `import type` of the
 * server, so bundling it pulls @trpc/client, superjson and eventsource and nothing of MikroORM,
 * pg or node (test/client-bundle.test.ts proves it).
 */
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import { EventSource } from 'eventsource';
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

/**
 * The links every Tenant client uses: queries and mutations batched over HTTP, subscriptions
 * (`sync.events`) over server-sent events. Both send the bearer token as a header: the
 * `eventsource` ponyfill reads the stream with fetch, which (unlike the browser's EventSource)
 * can send headers, so the token never travels in a URL.
 */
export function tenantLinks(options: TenantClientOptions): TRPCLink<AppRouter>[] {
  const token = () => (typeof options.token === 'function' ? options.token() : options.token);
  // Called as a plain function: browsers refuse a `fetch` invoked as another object's method.
  const fetchImpl: typeof fetch = options.fetch ?? ((...args) => fetch(...args));
  return [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({
        url: options.url,
        transformer: superjson,
        EventSource,
        eventSourceOptions: () => ({
          fetch: (input, init) => {
            const bearer = token();
            return fetchImpl(input, {
              ...init,
              headers: { ...init.headers, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
            });
          },
        }),
      }),
      false: httpBatchLink({
        url: options.url,
        transformer: superjson,
        // The api refuses batches of more than 50 calls (maxBatchSize).
        maxItems: 50,
        fetch: fetchImpl,
        headers() {
          const bearer = token();
          return bearer ? { authorization: `Bearer ${bearer}` } : {};
        },
      }),
    }),
  ];
}

export function createTenantClient(options: TenantClientOptions): TenantClient {
  return createTRPCClient<AppRouter>({ links: tenantLinks(options) });
}
