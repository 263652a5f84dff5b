import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyTRPCProcedure, AnyTRPCRouter, inferRouterContext } from '@trpc/server';
import {
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  isPromise,
  TRPCError,
  transformTRPCResponse,
} from '@trpc/server/unstable-core-do-not-import';

/**
 * The one request shape the shipped client sends for every read, answered without tRPC's WHATWG
 * adapter: httpBatchLink's `GET /trpc/a,b?batch=1&input={"0":…,"1":…}` of query procedures.
 *
 * Why it exists: for that request tRPC's `incomingMessageToRequest` and `resolveResponse` build a
 * `Request` (URL, Headers, AbortController), a `Response` whose body is a web stream read back into
 * bytes, and a dozen promises, signals and spread copies around the procedure calls — about a fifth
 * of the api's CPU for a page of transactions (docs/performance.md, "API read path"). Here the
 * same calls are made with tRPC's own pieces (`getProcedureAtPath`, the procedures themselves,
 * `getErrorShape`, `transformTRPCResponse`, `getHTTPStatusCode`), and the answer is written at once.
 *
 * What it answers: exactly what `resolveResponse` answers for that shape — the same status, body,
 * `Vary` and content type, the same `onError` calls. Anything it is not sure of (another method or
 * content type, no `batch=1`, a streaming accept header, `connectionParams`, an unknown procedure
 * or one that is not a query, a batch too large, input that is not a JSON object that the
 * transformer reads, a context that fails) it declines before calling anything, and tRPC's own
 * adapter answers. test/trpc-handler.test.ts holds both to tRPC's fetch adapter request by request.
 */

type Options<TRouter extends AnyTRPCRouter> = {
  router: TRouter;
  maxBatchSize: number;
  createContext: (opts: { req: IncomingMessage }) => inferRouterContext<TRouter>;
  /** tRPC's onError, told of every failed call as resolveResponse tells it. */
  onError?: (opts: {
    error: TRPCError;
    path: string | undefined;
    input: unknown;
    ctx: inferRouterContext<TRouter> | undefined;
    type: 'query';
    req: Request;
  }) => void;
  /** The WHATWG request tRPC would have built, for onError only (made when a call fails). */
  toRequest: (req: IncomingMessage, res: ServerResponse) => Request;
  /** Writes the answer: status, tRPC's `Vary` and the JSON body. */
  write: (res: ServerResponse, status: number, vary: string, body: string) => void;
};

/** A Host header the URL parser takes as is (tRPC's adapter would fail on others: left to it). */
const PLAIN_HOST = /^[A-Za-z0-9.:[\]-]*$/;
const NOT_JSON_CONTENT = (type: string) => type.split(';', 1)[0]?.trim().toLowerCase() !== 'application/json';

/** What resolveResponse checks before answering a non-streaming call: data it would have to stream. */
function isDataStream(value: unknown): boolean {
  if (!isObject(value)) return false;
  if (isAsyncIterable(value)) return true;
  const values = Object.values(value);
  return values.some(isPromise) || values.some(isAsyncIterable);
}

type Prepared = { paths: string[]; procedures: AnyTRPCProcedure[]; inputs: Record<number, unknown> };

/**
 * Serves `req` if it is a batch of queries as the shipped client sends it, and says whether it did;
 * `false` means nothing was called and nothing written.
 */
export function createBatchedQueries<TRouter extends AnyTRPCRouter>(opts: Options<TRouter>) {
  const config = opts.router._def._config;
  const deserialize = (value: unknown) => config.transformer.input.deserialize(value);

  async function prepare(req: IncomingMessage, path: string, search: string): Promise<Prepared | undefined> {
    const { headers } = req;
    if (req.method !== 'GET' || search.includes('#')) return undefined;
    // Another content type picks another of tRPC's request parsers; a streaming accept header, the
    // streaming response.
    const contentType = headers['content-type'];
    if (contentType !== undefined && NOT_JSON_CONTENT(contentType)) return undefined;
    if (headers['trpc-accept'] !== undefined) return undefined;
    const accept = headers.accept;
    if (accept?.split(',').some((type) => type.trim() === 'application/jsonl')) return undefined;
    if (!PLAIN_HOST.test(headers.host ?? '')) return undefined;
    const params = new URLSearchParams(search);
    if (params.get('batch') !== '1' || params.has('connectionParams')) return undefined;
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return undefined;
    }
    const paths = decoded.split(',');
    if (paths.length > opts.maxBatchSize) return undefined;
    const procedures: AnyTRPCProcedure[] = [];
    for (const name of paths) {
      const procedure = (await getProcedureAtPath(opts.router, name)) as AnyTRPCProcedure | null;
      if (procedure?._def.type !== 'query') return undefined;
      procedures.push(procedure);
    }
    // Inputs are read before any call, where tRPC reads them when the first call asks: a batch
    // whose input tRPC would refuse is left to tRPC, which then refuses it in its own words.
    const inputs: Record<number, unknown> = {};
    const text = params.get('input');
    if (text) {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
        if (!isObject(raw)) return undefined;
        for (let i = 0; i < paths.length; i++) {
          const value = (raw as Record<number, unknown>)[i];
          if (value !== undefined) inputs[i] = deserialize(value);
        }
      } catch {
        return undefined;
      }
    }
    return { paths, procedures, inputs };
  }

  return async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    search: string,
  ): Promise<boolean> {
    const prepared = await prepare(req, path, search);
    if (!prepared) return false;
    let ctx: inferRouterContext<TRouter>;
    try {
      ctx = await opts.createContext({ req });
    } catch {
      return false;
    }
    const { paths, procedures, inputs } = prepared;
    // The signal a procedure gets: aborted when the client goes away before the answer is out.
    const abort = new AbortController();
    const onClose = () => {
      if (!res.writableEnded) abort.abort();
    };
    res.once('close', onClose);
    // tRPC's onError is given the input once some call of the batch has read the inputs.
    let inputsRead = false;
    const getInputs = () => {
      inputsRead = true;
      return inputs;
    };
    const fail = (cause: unknown, index: number) => {
      const error = getTRPCErrorFromUnknown(cause);
      const input = inputsRead ? inputs[index] : undefined;
      opts.onError?.({ error, path: paths[index], input, ctx, type: 'query', req: opts.toRequest(req, res) });
      return {
        error: getErrorShape({ config, ctx, error, input, path: paths[index], type: 'query' }),
      };
    };
    const calls = procedures.map(async (procedure, index) => {
      try {
        const data = await procedure({
          path: paths[index] as string,
          getRawInput: async () => getInputs()[index],
          ctx,
          type: 'query',
          signal: abort.signal,
          batchIndex: index,
        });
        return { result: { data } };
      } catch (cause) {
        return fail(cause, index);
      }
    });
    // Data tRPC would have to stream is refused once all calls are done, without onError, as
    // resolveResponse refuses it.
    const answers = (await Promise.all(calls)).map((answer, index) => {
      if (!('result' in answer) || !isDataStream(answer.result.data)) return answer;
      const error = new TRPCError({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
      });
      const input = inputsRead ? inputs[index] : undefined;
      return { error: getErrorShape({ config, ctx, error, input, path: paths[index], type: 'query' }) };
    });
    let status: number;
    let body: string;
    try {
      status = getHTTPStatusCode(answers as never);
      body = JSON.stringify(transformTRPCResponse(config, answers as never));
    } catch (cause) {
      // resolveResponse's last resort for a body it cannot write (caughtErrorToData).
      const error = getTRPCErrorFromUnknown(cause);
      opts.onError?.({
        error,
        path: undefined,
        input: undefined,
        ctx,
        type: 'query',
        req: opts.toRequest(req, res),
      });
      const shape = {
        error: getErrorShape({ config, ctx, error, input: undefined, path: undefined, type: 'query' }),
      };
      status = getHTTPStatusCode(shape as never);
      body = JSON.stringify(transformTRPCResponse(config, shape as never));
    }
    res.off('close', onClose);
    opts.write(res, status, 'trpc-accept, accept', body);
    return true;
  };
}
