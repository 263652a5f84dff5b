import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTROL_ROUTES, createControl } from '../control';
import { ApiError, badRequest, notFound } from '../errors';
import { type HttpContext, sendJson } from './server';

type ReadBody = (req: IncomingMessage) => Promise<Buffer>;

/** The /_sandbox routes: never faulted, never counted in stats. */
export async function controlRoute(
  ctx: HttpContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  readBody: ReadBody,
) {
  const control = createControl(ctx.core);
  const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
  try {
    let body: Record<string, unknown> = {};
    if (req.method === 'POST') {
      const raw = await readBody(req);
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw badRequest('invalid_body', 'the request body is not valid JSON');
        }
      }
    }
    const result = (() => {
      switch (route) {
        case 'GET /_sandbox':
          return { routes: CONTROL_ROUTES };
        case 'GET /_sandbox/clock':
          return { now: control.now() };
        case 'POST /_sandbox/clock':
          return control.advanceClock(body);
        case 'GET /_sandbox/faults':
          return control.faults();
        case 'POST /_sandbox/faults':
          return control.setFaults(body as never);
        case 'GET /_sandbox/truth': {
          const credentialsId = url.searchParams.get('credentialsId') ?? undefined;
          const summary = ['1', 'true'].includes(url.searchParams.get('summary') ?? '');
          return control.truth({ ...(credentialsId ? { credentialsId } : {}), summary });
        }
        case 'POST /_sandbox/consents':
          return control.createConsent(body as never);
        case 'POST /_sandbox/consents/expire':
          return control.expireConsent(body as never);
        case 'GET /_sandbox/stats':
          return control.stats();
        case 'POST /_sandbox/stats/reset':
          control.resetStats();
          return { ok: true };
        case 'POST /_sandbox/signing':
          control.setSigning(body && typeof body.publicKeyPem === 'string' ? (body as never) : null);
          return { ok: true, signing: Boolean(ctx.core.signing) };
        case 'POST /_sandbox/reset':
          control.reset();
          return { ok: true, now: control.now() };
        default:
          throw notFound(`no control route ${route}`);
      }
    })();
    sendJson(res, 200, result);
  } catch (err) {
    const e =
      err instanceof ApiError
        ? err
        : new ApiError(400, 'invalid_request', 'invalid_input', String((err as Error).message));
    sendJson(res, e.http, e.body());
  }
}
