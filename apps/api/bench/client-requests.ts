/**
 * The requests the shipped front-end client puts on the wire, taken from the client itself: a
 * call is made once through `createTenantClient` (or through the TanStack Query integration on
 * top of it) against the running api, with a `fetch` that records what it is asked to send. The
 * load generator then replays exactly that (method, path with `?batch=1` and superjson input,
 * headers), so the benchmark measures the path real clients take.
 */
import { QueryClient } from '@tanstack/react-query';
import { createTenantClient, type TenantClient } from '@tenant/client';
import { createTenantQueries, type TenantQueries } from '@tenant/client/react-query';

export type WireRequest = { method: string; path: string; headers: Record<string, string>; body?: string };

/**
 * The one HTTP request `call` makes through a client of `url` (the api's `/trpc` endpoint) signed
 * in with `token`. Throws if it makes none or several, or if the api refuses it.
 */
export async function wireRequestOf(
  url: string,
  token: string,
  call: (api: { client: TenantClient; queries: TenantQueries; queryClient: QueryClient }) => Promise<unknown>,
): Promise<WireRequest> {
  const sent: WireRequest[] = [];
  const client = createTenantClient({
    url,
    token,
    fetch: async (input, init) => {
      const target = new URL(String(input));
      sent.push({
        method: init?.method ?? 'GET',
        path: `${target.pathname}${target.search}`,
        headers: Object.fromEntries(new Headers(init?.headers).entries()),
        ...(typeof init?.body === 'string' ? { body: init.body } : {}),
      });
      return fetch(input, init);
    },
  });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  await call({ client, queries: createTenantQueries({ client, queryClient }), queryClient });
  queryClient.clear();
  const [request, ...more] = sent;
  if (!request || more.length > 0) throw new Error(`expected one request, the client sent ${sent.length}`);
  return request;
}
