import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { transformer } from '@tenant/router';
import { initTRPC, TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchedQueries } from '../src/batched-queries';
import { createTrpcHandler } from '../src/trpc-handler';

// A router with one procedure per kind of outcome, with the api's own transformer, served twice:
// by our handler over node:http and by tRPC's own fetch adapter. Every request must get the same
// answer from both.
const t = initTRPC.context<{ user: string | null }>().create({ isDev: false, transformer });
const router = t.router({
  hello: t.procedure
    .input((value: unknown) => {
      const name = (value as { name?: unknown } | undefined)?.name;
      if (typeof name !== 'string') throw new Error('name: expected a string');
      return { name };
    })
    .query(({ input, ctx }) => ({
      greeting: `hi ${input.name}`,
      user: ctx.user,
      at: new Date(0),
      n: 1.5,
      rows: [{ on: new Date(1), note: undefined }],
    })),
  none: t.procedure.query(() => null),
  secret: t.procedure.query(({ ctx }) => {
    if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
    return { user: ctx.user };
  }),
  broken: t.procedure.query(() => {
    throw new Error('database went away');
  }),
  streamed: t.procedure.query(() => ({ later: Promise.resolve(1) })),
  nested: t.router({ deep: t.procedure.query(() => 'deep') }),
  change: t.procedure.mutation(() => 'changed'),
  odd: t.procedure.query(() => ({ big: 1n, tags: new Set(['a']), at: new Date(Number.NaN) })),
});

const errorsSeen: { ours: string[]; theirs: string[] } = { ours: [], theirs: [] };
let ours: Server;
let base: string;

beforeAll(async () => {
  const handler = createTrpcHandler({
    router,
    basePath: '/trpc/',
    maxBodySize: 10_000,
    maxBatchSize: 10,
    createContext: ({ req }: { req: IncomingMessage }) => ({
      user: (req.headers['x-user'] as string) ?? null,
    }),
    onError: ({ error, path, input, type, req }) =>
      errorsSeen.ours.push(`${path}:${error.code}:${type}:${JSON.stringify(input)}:${req.method}`),
  });
  ours = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => ours.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(ours.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => ours.close(() => resolve()));
});

type Sent = { headers?: Record<string, string>; body?: string };

function theirs(path: string, { headers = {}, body }: Sent): Promise<Response> {
  return fetchRequestHandler({
    endpoint: '/trpc',
    req: new Request(`${base}${path}`, { headers, ...(body === undefined ? {} : { method: 'POST', body }) }),
    router,
    maxBatchSize: 10,
    createContext: ({ req }) => ({ user: req.headers.get('x-user') }),
    onError: ({ error, path: procedure, input, type, req }) =>
      errorsSeen.theirs.push(`${procedure}:${error.code}:${type}:${JSON.stringify(input)}:${req.method}`),
  });
}

/** A query's input as the client writes it: superjson, JSON, URL-encoded. */
const input = (value: unknown) => encodeURIComponent(JSON.stringify({ json: value }));
/** A batch's inputs, by index. */
const inputs = (...values: unknown[]) =>
  encodeURIComponent(JSON.stringify(Object.fromEntries(values.map((value, i) => [i, { json: value }]))));

const requests: [string, string, Sent?][] = [
  // What @tenant/client (httpBatchLink) sends: every query in a batch, even alone.
  ['a query as the shipped client sends it', `/trpc/hello?batch=1&input=${inputs({ name: 'ada' })}`],
  [
    'the same with its context',
    `/trpc/hello?batch=1&input=${inputs({ name: 'ada' })}`,
    { headers: { 'x-user': 'u1' } },
  ],
  ['a batch of queries', `/trpc/hello,none,nested.deep?batch=1&input=${inputs({ name: 'bo' })}`],
  ['a batch with a failure', `/trpc/hello,secret,broken?batch=1&input=${inputs({ name: 'bo' })}`],
  ['a batch with unknown input', `/trpc/hello?batch=1&input=${inputs({ name: 7 })}`],
  ['a batch with unreadable input', '/trpc/hello?batch=1&input=%7Bnot-json'],
  ['a batch with an unknown procedure', `/trpc/hello,missing?batch=1&input=${inputs({ name: 'bo' })}`],
  ['a batch of mutations over GET', '/trpc/change?batch=1'],
  ['a batch of mutations', '/trpc/change,change?batch=1', { body: JSON.stringify({}) }],
  ['values only superjson writes', '/trpc/odd?batch=1'],
  [
    'a batch with a stream-like result',
    `/trpc/streamed,hello?batch=1&input=${inputs(undefined, { name: 'cy' })}`,
  ],
  ['a batch of a query and a mutation', `/trpc/hello,change?batch=1&input=${inputs({ name: 'bo' })}`],
  ['a batch over the size limit', `/trpc/${Array(11).fill('none').join(',')}?batch=1`],
  ['a batch whose input is not an object', `/trpc/hello?batch=1&input=${encodeURIComponent('[1]')}`],
  [
    'a batch whose input superjson cannot read',
    `/trpc/hello?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: { json: 1, meta: { values: ['nonsense'] } } }))}`,
  ],
  ['a batch with a bad path encoding', '/trpc/hel%E0lo?batch=1'],
  [
    'a batch with connection params',
    `/trpc/none?batch=1&connectionParams=${encodeURIComponent('{"a":"b"}')}`,
  ],
  ['a batch of a prototype key', '/trpc/constructor,none?batch=1'],
  [
    'a batch that says it is JSON',
    `/trpc/hello?batch=1&input=${inputs({ name: 'ada' })}`,
    { headers: { 'content-type': 'application/json; charset=utf-8' } },
  ],
  [
    'a batch that says it is a form',
    `/trpc/hello?batch=1&input=${inputs({ name: 'ada' })}`,
    { headers: { 'content-type': 'multipart/form-data; boundary=x' } },
  ],
  [
    'a batch that accepts a JSON-lines stream',
    `/trpc/hello?batch=1&input=${inputs({ name: 'ada' })}`,
    { headers: { accept: 'text/plain, application/jsonl' } },
  ],
  [
    'a streamed batch (httpBatchStreamLink)',
    `/trpc/hello,none?batch=1&input=${inputs({ name: 'ada' })}`,
    { headers: { 'trpc-accept': 'application/jsonl' } },
  ],
  // httpLink and other clients: one call a request.
  ['a query', `/trpc/hello?input=${input({ name: 'ada' })}`],
  ['a query without input', '/trpc/none'],
  ['a nested path', '/trpc/nested.deep'],
  ['a percent-encoded path', '/trpc/nested%2Edeep'],
  ['input that is not JSON', '/trpc/hello?input=%7Bnot-json'],
  ['input the procedure rejects', `/trpc/hello?input=${input({ name: 7 })}`],
  ['a missing input', '/trpc/hello'],
  ['a TRPCError', '/trpc/secret'],
  ['the same, allowed', '/trpc/secret', { headers: { 'x-user': 'u2' } }],
  ['an unexpected error', '/trpc/broken'],
  ['a stream-like result', '/trpc/streamed'],
  ['an unknown procedure', '/trpc/missing'],
  ['a prototype key as path', '/trpc/constructor'],
  ['a mutation over GET', '/trpc/change'],
  ['a mutation', '/trpc/change', { body: '' }],
  [
    'a stream without batch',
    `/trpc/hello?input=${input({ name: 'ada' })}`,
    { headers: { 'trpc-accept': 'application/jsonl' } },
  ],
];

describe('tRPC over node:http', () => {
  it.each(requests)('answers %s as tRPC’s own adapter does', async (_name, path, sent = {}) => {
    errorsSeen.ours.length = 0;
    errorsSeen.theirs.length = 0;
    const [mine, reference] = await Promise.all([
      fetch(`${base}${path}`, {
        headers: sent.headers ?? {},
        ...(sent.body === undefined ? {} : { method: 'POST', body: sent.body }),
      }),
      theirs(path, sent),
    ]);
    const [myBody, referenceBody] = await Promise.all([mine.text(), reference.text()]);
    expect({ status: mine.status, type: mine.headers.get('content-type'), body: myBody }).toEqual({
      status: reference.status,
      type: reference.headers.get('content-type'),
      body: referenceBody,
    });
    expect(mine.headers.get('vary')).toBe(reference.headers.get('vary'));
    // A failure is reported once, as tRPC reports it.
    expect(errorsSeen.ours).toEqual(errorsSeen.theirs);
  });
});

// The requests above that the handler answers on its own path for the shipped client's batches
// (src/batched-queries.ts) rather than through tRPC's adapter: the comparison above covers both.
describe('the batched-query path', () => {
  let contexts = 0;
  const served = async (path: string, headers: Record<string, string> = {}) => {
    const serve = createBatchedQueries({
      router,
      maxBatchSize: 10,
      createContext: () => {
        contexts++;
        return { user: null };
      },
      toRequest: () => new Request('http://x/'),
      write: (res, status, _vary, body) => {
        res.writeHead(status, { 'x-served': 'batched' });
        res.end(body);
      },
    });
    const server = createServer((req, res) => {
      const [pathname = '', search = ''] = (req.url ?? '').split('?');
      void serve(req, res, pathname.slice('/trpc/'.length), search).then((done) => {
        if (!done) res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
      return (await fetch(url, { headers })).headers.get('x-served') === 'batched';
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  };

  it('serves batches of queries as the shipped client sends them, failures included', async () => {
    expect(await served(`/trpc/hello?batch=1&input=${inputs({ name: 'ada' })}`)).toBe(true);
    expect(await served(`/trpc/hello,secret,broken?batch=1&input=${inputs({ name: 'bo' })}`)).toBe(true);
    expect(await served(`/trpc/hello?batch=1&input=${inputs({ name: 7 })}`)).toBe(true);
    expect(await served(`/trpc/streamed,hello?batch=1&input=${inputs(undefined, { name: 'cy' })}`)).toBe(
      true,
    );
  });

  it('leaves every other request to tRPC, before calling anything', async () => {
    contexts = 0;
    for (const path of [
      `/trpc/hello?input=${input({ name: 'ada' })}`,
      '/trpc/hello?batch=1&input=%7Bnot-json',
      `/trpc/hello,missing?batch=1&input=${inputs({ name: 'bo' })}`,
      '/trpc/change?batch=1',
      `/trpc/${Array(11).fill('none').join(',')}?batch=1`,
      `/trpc/none?batch=1&connectionParams=${encodeURIComponent('{"a":"b"}')}`,
    ]) {
      expect(await served(path), path).toBe(false);
    }
    expect(await served('/trpc/none?batch=1', { 'trpc-accept': 'application/jsonl' })).toBe(false);
    expect(await served('/trpc/none?batch=1', { 'content-type': 'text/plain' })).toBe(false);
    expect(contexts).toBe(0);
  });
});
