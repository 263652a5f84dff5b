import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTRPC, TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrpcHandler } from '../src/trpc-handler';

// A router with one procedure per kind of outcome, served twice: by our handler over node:http
// and by tRPC's own fetch adapter. Every request must get the same answer from both.
const t = initTRPC.context<{ user: string | null }>().create({ isDev: false });
const router = t.router({
  hello: t.procedure
    .input((value: unknown) => {
      const name = (value as { name?: unknown } | undefined)?.name;
      if (typeof name !== 'string') throw new Error('name: expected a string');
      return { name };
    })
    .query(({ input, ctx }) => ({ greeting: `hi ${input.name}`, user: ctx.user, at: new Date(0), n: 1.5 })),
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
    onError: ({ error, path }) => errorsSeen.ours.push(`${path}:${error.code}`),
  });
  ours = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => ours.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(ours.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => ours.close(() => resolve()));
});

function theirs(path: string, headers: Record<string, string>): Promise<Response> {
  return fetchRequestHandler({
    endpoint: '/trpc',
    req: new Request(`${base}${path}`, { headers }),
    router,
    createContext: ({ req }) => ({ user: req.headers.get('x-user') }),
    onError: ({ error, path: procedure }) => errorsSeen.theirs.push(`${procedure}:${error.code}`),
  });
}

const input = (value: unknown) => encodeURIComponent(JSON.stringify(value));

const requests: [string, string, Record<string, string>?][] = [
  ['a query', `/trpc/hello?input=${input({ name: 'ada' })}`],
  ['a query with its context', `/trpc/hello?input=${input({ name: 'ada' })}`, { 'x-user': 'u1' }],
  ['a query without input', '/trpc/none'],
  ['a nested path', '/trpc/nested.deep'],
  ['a percent-encoded path', '/trpc/nested%2Edeep'],
  ['input that is not JSON', '/trpc/hello?input=%7Bnot-json'],
  ['input the procedure rejects', `/trpc/hello?input=${input({ name: 7 })}`],
  ['a missing input', '/trpc/hello'],
  ['a TRPCError', '/trpc/secret'],
  ['the same, allowed', '/trpc/secret', { 'x-user': 'u2' }],
  ['an unexpected error', '/trpc/broken'],
  ['a stream-like result', '/trpc/streamed'],
  ['an unknown procedure', '/trpc/missing'],
  ['a prototype key as path', '/trpc/constructor'],
  ['a mutation over GET', '/trpc/change'],
  ['a batch', `/trpc/hello,none?batch=1&input=${input({ 0: { name: 'bo' } })}`],
  [
    'a stream without batch',
    `/trpc/hello?input=${input({ name: 'ada' })}`,
    { 'trpc-accept': 'application/jsonl' },
  ],
];

describe('tRPC over node:http', () => {
  it.each(requests)('answers %s as tRPC’s own adapter does', async (_name, path, headers = {}) => {
    errorsSeen.ours.length = 0;
    errorsSeen.theirs.length = 0;
    const [mine, reference] = await Promise.all([
      fetch(`${base}${path}`, { headers }),
      theirs(path, headers),
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
