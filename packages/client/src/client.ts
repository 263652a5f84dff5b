import type { AppRouter } from '@tenant/router';
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
  type TRPCLink,
} from '@trpc/client';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import { MAX_BATCH_SIZE } from './limits';

export type TenantClientOptions = {
  /** The api's tRPC endpoint, e.g. `https://api.example.com/trpc`. */
  url: string;
  /** Bearer token from auth.login / auth.register; a function is read on every request. */
  token?: string | (() => string | undefined | null);
  /** Another fetch (tests, server-side rendering, instrumentation). */
  fetch?: typeof fetch;
};

export type TenantClient = TRPCClient<AppRouter>;

/**
 * The links every Tenant client talks through, superjson on both (Dates arrive as Dates):
 * queries and mutations made in the same tick go out batched, at most MAX_BATCH_SIZE calls a
 * request, except auth mutations, which the api takes only alone; subscriptions (`sync.events`) go over server-sent events. Both send the bearer token as
 * a header: the `eventsource` ponyfill reads the stream with fetch, which (unlike the browser's
 * EventSource) can send headers, so the token never travels in a URL.
 */
export function tenantLinks(options: TenantClientOptions): TRPCLink<AppRouter>[] {
  const token = () => (typeof options.token === 'function' ? options.token() : options.token);
  // Called as a plain function: browsers refuse a `fetch` invoked as another object's method.
  const fetchImpl: typeof fetch = options.fetch ?? ((...args) => fetch(...args));
  const headers = () => {
    const bearer = token();
    return bearer ? { authorization: `Bearer ${bearer}` } : {};
  };
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
      false: splitLink({
        // The api refuses a batch that carries auth.register/login/logout with other calls.
        condition: (op) => op.type === 'mutation' && op.path.startsWith('auth.'),
        true: httpLink({ url: options.url, transformer: superjson, fetch: fetchImpl, headers }),
        false: httpBatchLink({
          url: options.url,
          transformer: superjson,
          maxItems: MAX_BATCH_SIZE,
          fetch: fetchImpl,
          headers,
        }),
      }),
    }),
  ];
}

/** A typed client of the Tenant api: `await api.transactions.list.query({ limit: 100 })`. */
export function createTenantClient(options: TenantClientOptions): TenantClient {
  return createTRPCClient<AppRouter>({ links: tenantLinks(options) });
}
