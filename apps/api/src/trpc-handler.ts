import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type AnyTRPCRouter, type inferRouterContext, TRPCError } from '@trpc/server';
import { incomingMessageToRequest, internal_exceptionHandler } from '@trpc/server/adapters/node-http';
import { type HTTPErrorHandler, resolveResponse } from '@trpc/server/http';
import { abortOnClientGone, createSingleQueryPath } from './trpc-single-query';
import { appendVary } from './vary';

export type TrpcHandlerOptions<TRouter extends AnyTRPCRouter> = {
  router: TRouter;
  /** The URL prefix of procedure paths, e.g. `/trpc/`. */
  basePath: string;
  maxBodySize: number;
  maxBatchSize: number;
  createContext: (opts: { req: IncomingMessage }) => inferRouterContext<TRouter>;
  onError?: HTTPErrorHandler<TRouter, Request>;
  /** Procedures a batch may not carry with other calls: the whole batch is a BAD_REQUEST. */
  alone?: ReadonlySet<string>;
};

/** The first procedure of a batch of several that must be called alone, if any. */
function loneInBatch(
  path: string,
  search: string,
  alone: ReadonlySet<string> | undefined,
): string | undefined {
  if (!alone || !path.includes(',') || !new URLSearchParams(search).has('batch')) return undefined;
  return decodeURIComponent(path)
    .split(',')
    .find((name) => alone.has(name));
}

/**
 * Responses written as they are produced: batch streaming (tRPC marks it `transfer-encoding:
 * chunked`, with content type application/json) and subscriptions (SSE).
 */
function isStreamed(response: Response): boolean {
  return (
    response.headers.get('transfer-encoding') === 'chunked' ||
    (response.headers.get('content-type') ?? '').startsWith('text/event-stream')
  );
}

/**
 * The fetch `Request` resolveResponse is given for a GET or HEAD: a plain object with the four
 * members it reads when there is no body (method, url, headers, signal). undici's Request
 * constructor costs ~35 µs a call, about what our own code spends on a page of transactions;
 * requests with a body (POST) still get a real Request from tRPC's own adapter. The api tests run
 * queries, batches, streams and the method rules through this path.
 */
function bodylessRequest(req: IncomingMessage, res: ServerResponse): Request {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (key.startsWith(':') || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(key, item);
    else headers.append(key, value);
  }
  const protocol = 'encrypted' in req.socket && req.socket.encrypted ? 'https:' : 'http:';
  let url: string;
  try {
    url = new URL(req.url ?? '/', `${protocol}//${req.headers.host ?? 'localhost'}`).href;
  } catch {
    // No cause: its text would echo the Host header.
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'Invalid URL' });
  }
  return {
    method: req.method as string,
    url,
    headers,
    // Aborted when the client goes away before the response is written, as in tRPC's adapter.
    signal: abortOnClientGone(res),
  } as Request;
}

/**
 * A body that is not a stream, whole. Read through the stream's reader: `arrayBuffer()` takes
 * ~30 µs longer for the single chunk tRPC's string bodies arrive in.
 */
async function readWhole(body: ReadableStream<Uint8Array>): Promise<Buffer> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
  return Buffer.concat(chunks);
}

/**
 * tRPC over node:http, built on tRPC's own adapter pieces (`incomingMessageToRequest`,
 * `resolveResponse`), as its standalone adapter is, with one difference: a response that is not
 * a stream is read whole and sent with its Content-Length in a single socket write. The
 * standalone adapter pipes every body through a WritableStream in chunked encoding: two writes
 * and a chain of promise hops per request, about a tenth of the api's CPU under load
 * (docs/performance.md). The returned promise settles when the procedure has finished, even if
 * the client went away, so a draining server knows when it may close the database pool.
 */
export function createTrpcHandler<TRouter extends AnyTRPCRouter>(opts: TrpcHandlerOptions<TRouter>) {
  const basePath = opts.basePath.replace(/^\/+|\/+$/g, '');

  const singleQuery = createSingleQueryPath({ router: opts.router, createContext: opts.createContext });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt < 0 ? url : url.slice(0, queryAt);
    const path = pathname
      .replace(/^\/+|\/+$/g, '')
      .slice(basePath.length)
      .replace(/^\/+/, '');
    const search = queryAt < 0 ? '' : url.slice(queryAt + 1);
    const outcome = await singleQuery(req, res, path, search);
    if (outcome.kind === 'answered') return;
    const lone = loneInBatch(path, search, opts.alone);
    const request =
      req.method === 'GET' || req.method === 'HEAD'
        ? bodylessRequest(req, res)
        : incomingMessageToRequest(req, res, { maxBodySize: opts.maxBodySize });
    const response = await resolveResponse({
      router: opts.router,
      req: request,
      path,
      // A single query that failed is answered by tRPC's own error handling, not run again.
      error:
        outcome.kind === 'failed'
          ? outcome.error
          : lone
            ? new TRPCError({ code: 'BAD_REQUEST', message: `${lone} must be sent alone, not in a batch` })
            : null,
      maxBatchSize: opts.maxBatchSize,
      createContext: async () => opts.createContext({ req }),
      onError: opts.onError,
    });
    res.statusCode = response.status;
    for (const [key, value] of response.headers) {
      if (key === 'vary') appendVary(res, value);
      else if (key !== 'set-cookie') res.setHeader(key, value);
    }
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) res.setHeader('set-cookie', cookies);
    if (!response.body) {
      res.end();
      return;
    }
    if (isStreamed(response)) {
      await new Promise<void>((resolve) => {
        const body = Readable.fromWeb(response.body as WebReadableStream);
        body.once('error', () => res.destroy());
        res.once('close', resolve);
        body.pipe(res);
      });
      return;
    }
    const body = await readWhole(response.body);
    res.setHeader('content-length', body.length);
    res.end(body);
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await handle(req, res);
    } catch (cause) {
      // tRPC's own last resort (what its standalone adapter does): a formatted
      // INTERNAL_SERVER_ERROR, or just the end of a response already started.
      const options = { req, res, path: '', router: opts.router, createContext: opts.createContext };
      internal_exceptionHandler(options as unknown as Parameters<typeof internal_exceptionHandler>[0])(cause);
    }
  };
}
