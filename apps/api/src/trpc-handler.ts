import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type AnyTRPCRouter, type inferRouterContext, TRPCError } from '@trpc/server';
import { incomingMessageToRequest, internal_exceptionHandler } from '@trpc/server/adapters/node-http';
import { type HTTPErrorHandler, resolveResponse } from '@trpc/server/http';
import { createBatchedQueries } from './batched-queries';
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
 * A body that is not a stream, whole, as the bytes the Response already holds: tRPC gives its
 * JSON text to `new Response`, which encodes it once, in one chunk; `text()` would decode it to
 * write it encoded again (~35 KB a page of transactions, both ways).
 */
async function bytesOf(body: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const reader = body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    chunks.push(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength));
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/**
 * tRPC over node:http: tRPC's own `incomingMessageToRequest` and `resolveResponse`, as its
 * node-http adapter (`nodeHTTPRequestHandler`) uses them. Only the writing of the response is
 * ours, for three things the adapter does not do:
 *  - tRPC's `Vary` is added to the one the server set for CORS (the adapter's `setHeader` drops it);
 *  - the returned promise settles when the procedure has finished, even if the client went away
 *    (the adapter's waits for a `finish` that then never comes), so a draining server knows when
 *    it may close the database pool;
 *  - a response that is not a stream is sent whole, with its Content-Length, in one write (the
 *    adapter pipes every body through a WritableStream in chunked encoding).
 * test/trpc-handler.test.ts holds it to tRPC's own fetch adapter, request by request, with the
 * project's transformer.
 */
export function createTrpcHandler<TRouter extends AnyTRPCRouter>(opts: TrpcHandlerOptions<TRouter>) {
  const basePath = opts.basePath.replace(/^\/+|\/+$/g, '');
  const batchedQueries = createBatchedQueries({
    router: opts.router,
    maxBatchSize: opts.maxBatchSize,
    createContext: opts.createContext,
    onError: opts.onError as never,
    toRequest: (req, res) => incomingMessageToRequest(req, res, { maxBodySize: opts.maxBodySize }),
    write(res, status, vary, body) {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      appendVary(res, vary);
      // The text goes to the socket as is, encoded once on its way out (no Buffer of its own);
      // node:http measures it for the Content-Length, as it does any body given whole to end().
      res.end(body);
    },
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt < 0 ? url : url.slice(0, queryAt);
    const path = pathname
      .replace(/^\/+|\/+$/g, '')
      .slice(basePath.length)
      .replace(/^\/+/, '');
    const search = queryAt < 0 ? '' : url.slice(queryAt + 1);
    const lone = loneInBatch(path, search, opts.alone);
    if (!lone && (await batchedQueries(req, res, path, search))) return;
    const response = await resolveResponse({
      router: opts.router,
      req: incomingMessageToRequest(req, res, { maxBodySize: opts.maxBodySize }),
      path,
      error: lone
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
    const body = await bytesOf(response.body);
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
