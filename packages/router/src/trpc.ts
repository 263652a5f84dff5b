import { getTRPCErrorFromUnknown, initTRPC, TRPCError } from '@trpc/server';
import { authenticate } from './auth/authenticate';
import type { AuthedUser, Context } from './context';
import { ErrorDetails, type FieldIssue, type TenantErrorShape } from './errors';
import { transformer } from './transformer';

type IssueLike = { path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>; message: string };

/** Zod errors (and tRPC's standard-schema wrapper) carry `issues` with a key path. */
function schemaIssues(cause: unknown): FieldIssue[] | undefined {
  if (!(cause instanceof Error) || !Array.isArray((cause as { issues?: unknown }).issues)) return undefined;
  if (cause instanceof ErrorDetails) return undefined;
  return ((cause as unknown as { issues: IssueLike[] }).issues ?? []).map((issue) => ({
    path: (issue.path ?? [])
      .map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment))
      .join('.'),
    message: issue.message,
  }));
}

function describe(issues: FieldIssue[]): string {
  return issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
}

const t = initTRPC.context<Context>().create({
  transformer,
  isDev: false,
  // Subscriptions (SSE) ping every 15 s so idle proxies keep them open, and a client that hears
  // nothing for 40 s reconnects instead of waiting on a dead connection.
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 40_000 } },
  /**
   * The only place error shapes are built: no stack, no cause, no SQL. An INTERNAL_SERVER_ERROR
   * (an unexpected throw) keeps a generic message, because its text could be a driver error.
   */
  errorFormatter({ shape, error }): TenantErrorShape {
    const details = error.cause instanceof ErrorDetails ? error.cause : undefined;
    const parsed = schemaIssues(error.cause);
    const issues = details?.issues ?? parsed;
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    // Input a library could not read (JSON.parse, superjson's meta): its own text may echo the
    // input or describe the library, so the client gets a fixed sentence instead.
    const unreadable =
      (error.code === 'BAD_REQUEST' || error.code === 'PARSE_ERROR') &&
      error.cause instanceof Error &&
      !details &&
      !parsed;
    const message = internal
      ? 'Internal server error'
      : unreadable
        ? 'Malformed input: send JSON in the superjson format the client writes'
        : parsed
          ? `Invalid input: ${describe(parsed)}`
          : shape.message;
    return {
      code: shape.code,
      message,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        ...(issues ? { issues } : {}),
        ...(details?.retryAfterSeconds !== undefined ? { retryAfterSeconds: details.retryAfterSeconds } : {}),
        ...(details?.reason ? { reason: details.reason } : {}),
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

type Observed = Pick<Context, 'observe' | 'logger'>;

/**
 * Reports a call's path, outcome and duration (for metrics) and logs an unexpected failure
 * server-side, where the cause is visible but still free of request secrets.
 */
function report(ctx: Observed, path: string, type: string, started: number, error: TRPCError | undefined) {
  ctx.observe?.({ path, type, code: error ? error.code : 'OK', durationMs: performance.now() - started });
  if (error?.code === 'INTERNAL_SERVER_ERROR') {
    const cause = error.cause ?? error;
    ctx.logger.error(
      { path, err: { name: cause.name, message: cause.message, stack: cause.stack } },
      'procedure failed',
    );
  }
}

/** Every procedure is observed (report above). */
const observed = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  report(ctx, path, type, started, result.ok ? undefined : result.error);
  return result;
});

export const publicProcedure = t.procedure.use(observed);

/**
 * Resolves the bearer token once; every authed procedure then sees `ctx.user`. Observed as
 * `observed` does, in the same step: tRPC copies its options (and the context, when a step adds
 * to it) at every step of the chain, and the authed reads are nearly all of the api's traffic.
 * A failed authentication is reported as the error tRPC makes of it, then thrown on to tRPC.
 */
export const authedProcedure = t.procedure.use(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  let auth: Awaited<ReturnType<typeof authenticate>>;
  try {
    auth = await authenticate(ctx);
    if (!auth) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  } catch (cause) {
    report(ctx, path, type, started, getTRPCErrorFromUnknown(cause));
    throw cause;
  }
  // tRPC merges these two keys into the context itself; spreading ctx here would copy it twice.
  const result = await next({ ctx: { user: auth.user as AuthedUser, tokenId: auth.tokenId } });
  report(ctx, path, type, started, result.ok ? undefined : result.error);
  return result;
});
