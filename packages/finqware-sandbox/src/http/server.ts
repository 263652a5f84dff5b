import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_ROUTES } from '../api';
import type { SandboxCore } from '../core';
import { ApiError, badRequest, notFound } from '../errors';
import type { FaultKind } from '../faults';
import { controlRoute } from './control';
import { RawJson, toJsonText } from './raw-json';

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export interface HttpContext {
  core: SandboxCore;
  /** Fallback origin when a request has no Host header. */
  origin: () => string;
  /** Pending delays, cleared on close. */
  timers: Set<NodeJS.Timeout>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(badRequest('invalid_body', `body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sleep(ctx: HttpContext, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      ctx.timers.delete(t);
      resolve();
    }, ms);
    ctx.timers.add(t);
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = toJsonText(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function errorResponse(err: unknown): { status: number; body: unknown } {
  if (err instanceof ApiError) return { status: err.http, body: err.body() };
  const e = new ApiError(500, 'server_error', 'internal_server_error', 'unexpected sandbox error');
  console.error('[finqware-sandbox] unexpected error', err);
  return { status: 500, body: e.body() };
}

/** Answers a fault that replaces the response entirely (the handler never runs). */
function answerFault(ctx: HttpContext, res: ServerResponse, kind: FaultKind): boolean {
  const f = ctx.core.faults.current;
  switch (kind) {
    case '500':
      sendJson(
        res,
        500,
        new ApiError(500, 'server_error', 'internal_server_error', 'sandbox fault: internal error').body(),
      );
      return true;
    case '503':
      sendJson(
        res,
        503,
        new ApiError(503, 'server_error', 'planned_maintenance', 'sandbox fault: planned maintenance').body(),
      );
      return true;
    case '502': {
      // What a load balancer answers: not JSON.
      const html =
        '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>';
      res.writeHead(502, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(html) });
      res.end(html);
      return true;
    }
    case '429':
      sendJson(
        res,
        429,
        new ApiError(
          429,
          'external_api_error',
          'external_api_too_many_requests',
          'sandbox fault: too many requests',
        ).body(),
        { 'retry-after': String(f.retryAfterSeconds) },
      );
      return true;
    case 'hang':
      // Never answer; close() destroys the socket.
      return true;
    default:
      return false;
  }
}

function routeKey(prefix: string, name: string): string {
  return `POST /${prefix}${name}`;
}

async function handleApi(
  ctx: HttpContext,
  req: IncomingMessage,
  res: ServerResponse,
  prefix: 'v1' | 'v1s',
  path: string,
) {
  const { core } = ctx;
  const route = req.method === 'POST' ? API_ROUTES.find((r) => r.pattern.test(path)) : undefined;
  const key = route ? routeKey(prefix, route.name) : `${req.method} /${prefix}${path}`;
  let credentialsId: string | undefined;
  let status = 0;
  res.on('finish', () => core.stats.record(key, status, credentialsId));
  res.on('close', () => {
    if (!res.writableFinished) core.stats.record(key, status === 0 ? 'aborted' : status, credentialsId);
  });

  let raw: Buffer;
  try {
    raw = await readBody(req);
  } catch (err) {
    const e = errorResponse(err);
    status = e.status;
    return sendJson(res, e.status, e.body);
  }
  let parsed: unknown;
  let parseError: ApiError | undefined;
  try {
    parsed = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
    if (
      parsed &&
      typeof parsed === 'object' &&
      typeof (parsed as { credentials_id?: unknown }).credentials_id === 'string'
    ) {
      credentialsId = (parsed as { credentials_id: string }).credentials_id;
    }
  } catch {
    parseError = badRequest('invalid_body', 'the request body is not valid JSON');
  }

  const fault = core.faults.draw(route?.name);
  if (fault) {
    core.stats.fault(fault);
    if (fault === 'hang') status = 0;
    else if (['500', '502', '503', '429'].includes(fault)) status = Number(fault);
    if (answerFault(ctx, res, fault)) return;
    if (fault === 'slow') await sleep(ctx, core.faults.current.latencyMs);
  }
  await sleep(ctx, core.faults.current.baseLatencyMs);

  let result: { status: number; body: unknown };
  const started = performance.now();
  try {
    if (!route) throw notFound(`no route ${req.method} /${prefix}${path}`);
    if (prefix === 'v1s') {
      if (!core.signing)
        throw new ApiError(
          401,
          'unauthorized',
          'invalid_api_keys',
          'no signing key is registered with the sandbox',
        );
      core.signing.verify(req.headers.authorization, raw);
    }
    if (parseError) throw parseError;
    const m = route.pattern.exec(path);
    const body = route.handler(parsed, {
      core,
      origin: req.headers.host ? `http://${req.headers.host}` : ctx.origin(),
      params: { id: decodeURIComponent(m?.[1] ?? '') },
    });
    result = { status: 200, body };
  } catch (err) {
    result = errorResponse(err);
  }
  status = result.status;

  if (fault === 'truncated' || fault === 'malformed') {
    const text = toJsonText(result.body);
    if (fault === 'malformed') {
      // Complete transfer, broken JSON: the closing bracket is gone.
      const broken = text.slice(0, -1);
      res.writeHead(result.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(broken),
      });
      res.end(broken);
      return;
    }
    // Headers promise the whole body; the connection dies halfway.
    const bytes = Buffer.from(text);
    res.writeHead(result.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': bytes.length,
    });
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
    return;
  }
  const text = toJsonText(result.body);
  // Server-Timing lets benchmarks separate the sandbox's own work from transport and parsing.
  sendJson(res, result.status, new RawJson(text), {
    'server-timing': `app;dur=${(performance.now() - started).toFixed(3)}`,
  });
}

function handleBank(ctx: HttpContext, res: ServerResponse, url: URL) {
  const result = ctx.core.sessions.bankAuthorize(
    url.searchParams.get('state'),
    url.searchParams.get('deny') === '1',
  );
  const key = 'GET /bank/authorize';
  if ('error' in result) {
    ctx.core.stats.record(key, 400);
    const html = `<html><body><h1>Sandbox bank</h1><p>${result.error}</p></body></html>`;
    res.writeHead(400, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
    });
    res.end(html);
    return;
  }
  ctx.core.stats.record(key, 302);
  res.writeHead(302, { location: result.location, 'content-length': 0 });
  res.end();
}

export function createRequestHandler(ctx: HttpContext) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname;
    const run = async () => {
      if (path === '/_sandbox' || path.startsWith('/_sandbox/'))
        return controlRoute(ctx, req, res, url, readBody);
      if (path.startsWith('/bank/') && req.method === 'GET') return handleBank(ctx, res, url);
      const m = /^\/(v1s?)(\/.*)$/.exec(path);
      if (m) return handleApi(ctx, req, res, m[1] as 'v1' | 'v1s', m[2]!);
      sendJson(res, 404, notFound(`no route ${req.method} ${path}`).body());
    };
    run().catch((err) => {
      if (!res.headersSent) {
        const e = errorResponse(err);
        sendJson(res, e.status, e.body);
      } else res.destroy();
    });
  };
}
