import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AnyTRPCProcedure, type AnyTRPCRouter, type inferRouterContext, TRPCError } from '@trpc/server';
import { appendVary } from './vary';

/** What the single-query path did with a request. */
export type SingleQueryOutcome =
  /** Answered. */
  | { kind: 'answered' }
  /** Not a plain single query: tRPC's resolveResponse answers it from the start. */
  | { kind: 'declined' }
  /** The procedure ran and failed: tRPC's resolveResponse writes the error response. */
  | { kind: 'failed'; error: TRPCError };

const ANSWERED = { kind: 'answered' } as const;
/** What tRPC's own responses vary by. */
const TRPC_VARY = 'trpc-accept, accept';
const DECLINED = { kind: 'declined' } as const;

/** A procedure path tRPC would use as written: no percent-encoding to decode, no batch comma. */
const PLAIN_PATH = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;
/** A Host tRPC can build its URL from (host name or address, optional port); others get its 400. */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/;

/** A signal that aborts when the client goes away before the response is written. */
export function abortOnClientGone(res: ServerResponse): AbortSignal {
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableEnded) abort.abort();
  });
  return abort.signal;
}

/** A promise or an async iterator: what tRPC refuses to send in a non-streamed response. */
function isStreamy(value: unknown): boolean {
  return (
    value instanceof Promise ||
    (typeof value === 'object' && value !== null && Symbol.asyncIterator in (value as object))
  );
}

/** tRPC's `isDataStream`: the result, or one of its own values, is streamy. */
function isDataStream(data: unknown): boolean {
  if (typeof data !== 'object' || data === null) return false;
  if (isStreamy(data)) return true;
  for (const key in data) if (isStreamy((data as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * The one request shape that is nearly all of a front-end's traffic: a GET of one query (no batch,
 * no stream), answered with tRPC's own wire format but without its fetch-API round trip (a
 * `Request`, three AbortControllers, a `Response` read back through a web stream): about a fifth
 * of the api's CPU per `transactions.list` (docs/performance.md).
 *
 * Only the success is written here, byte for byte what tRPC writes. Everything else is left to
 * tRPC: any request that is not plainly a single query is declined before anything runs, and a
 * procedure's failure is handed back for resolveResponse to format (status, error shape, onError).
 * test/trpc-handler.test.ts holds this path to tRPC's own fetch adapter, request by request.
 */
export function createSingleQueryPath<TRouter extends AnyTRPCRouter>(opts: {
  router: TRouter;
  createContext: (opts: { req: IncomingMessage }) => inferRouterContext<TRouter>;
}) {
  const config = opts.router._def._config;
  // A transformer that can write its own JSON text (ours: @tenant/router's) skips a walk of it.
  const output = config.transformer.output as {
    serialize(v: unknown): unknown;
    stringify?: (v: unknown) => string;
  };
  const stringify = output.stringify ?? ((data: unknown) => JSON.stringify(output.serialize(data)));
  const procedures = opts.router._def.procedures as Record<string, AnyTRPCProcedure | undefined>;

  return async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    /** The URL's query string, without its `?`. */
    search: string,
  ): Promise<SingleQueryOutcome> {
    if (req.method !== 'GET' || !PLAIN_PATH.test(path) || !PLAIN_HOST.test(req.headers.host ?? '')) {
      return DECLINED;
    }
    // httpBatchStreamLink and subscriptions ask for a stream; tRPC has rules for those.
    const accept = `${req.headers['trpc-accept'] ?? ''} ${req.headers.accept ?? ''}`;
    if (accept.includes('application/jsonl') || accept.includes('text/event-stream')) return DECLINED;
    const procedure = Object.hasOwn(procedures, path) ? procedures[path] : undefined;
    if (procedure?._def.type !== 'query') return DECLINED;
    const query = new URLSearchParams(search);
    if (query.has('batch')) return DECLINED;

    let input: unknown;
    let ctx: inferRouterContext<TRouter>;
    try {
      const raw = query.get('input');
      input = raw ? config.transformer.input.deserialize(JSON.parse(raw)) : undefined;
      ctx = await opts.createContext({ req });
    } catch {
      return DECLINED; // tRPC reports malformed input and context failures its own way
    }

    let data: unknown;
    try {
      data = await procedure({
        path,
        getRawInput: async () => input,
        ctx,
        type: 'query',
        signal: abortOnClientGone(res),
        batchIndex: 0,
      });
    } catch (cause) {
      const error =
        cause instanceof TRPCError
          ? cause
          : new TRPCError({
              code: 'INTERNAL_SERVER_ERROR',
              cause: cause instanceof Error ? cause : undefined,
            });
      return { kind: 'failed', error };
    }
    // A procedure that returns promises or iterators is a programming error tRPC reports in its
    // own words; a query is safe to run again, so it does that, once.
    if (isDataStream(data)) return DECLINED;

    // A string, not a Buffer: the socket encodes it into its own write. A page-sized Buffer per
    // response is memory outside V8's heap, and that much of it made V8 run a full mark-compact
    // every ~0.4 s under load (18 in a 10 s run against 3; --trace-gc).
    const body = `{"result":{"data":${stringify(data)}}}`;
    appendVary(res, TRPC_VARY);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
    return ANSWERED;
  };
}
