import { initTRPC, TRPCError } from '@trpc/server';
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

/**
 * Every procedure reports its path, outcome and duration (for metrics) and logs unexpected
 * failures server-side, where the cause is visible but still free of request secrets.
 */
const observed = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  const code = result.ok ? 'OK' : result.error.code;
  ctx.observe?.({ path, type, code, durationMs: performance.now() - started });
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR') {
    const cause = result.error.cause ?? result.error;
    ctx.logger.error(
      { path, err: { name: cause.name, message: cause.message, stack: cause.stack } },
      'procedure failed',
    );
  }
  return result;
});

export const publicProcedure = t.procedure.use(observed);

/** Resolves the bearer token once; every authed procedure then sees `ctx.user`. */
export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const auth = await authenticate(ctx);
  if (!auth) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  // tRPC merges these two keys into the context itself; spreading ctx here would copy it twice.
  return next({ ctx: { user: auth.user as AuthedUser, tokenId: auth.tokenId } });
});
