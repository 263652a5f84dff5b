import { type AuthedUser, bearerToken, type Context } from '../context';
import { findLiveToken, touchToken } from '../modules/auth/auth.repository';
import { hashBearerToken } from './crypto';

/** last_used_at is refreshed at most this often, so reads do not each cost a write. */
const LAST_USED_GRANULARITY_MS = 60_000;

/**
 * Resolves the request's bearer token to its user, or undefined when missing, unknown, expired or
 * revoked. A session verified moments ago by this process comes from `ctx.sessions` (see
 * session-cache.ts for what that trades).
 */
export async function authenticate(ctx: Context): Promise<{ user: AuthedUser; tokenId: string } | undefined> {
  const token = bearerToken(ctx.requestMeta);
  if (!token) return undefined;
  const now = ctx.clock();
  const tokenHash = hashBearerToken(token);
  const cached = ctx.sessions?.get(tokenHash, now);
  if (cached) return cached;
  const row = await findLiveToken(ctx.em, tokenHash, now);
  if (!row) return undefined;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_GRANULARITY_MS) {
    await touchToken(ctx.em, row.token_id, now);
  }
  const session = {
    user: { id: row.id, email: row.email, tenantUserId: row.tenant_user_id },
    tokenId: row.token_id,
    expiresAt: row.expires_at,
  };
  ctx.sessions?.set(tokenHash, session, now);
  return { user: session.user, tokenId: session.tokenId };
}

/** Forgets the request's token in this process's session cache (after a logout). */
export function forgetSession(ctx: Context): void {
  const token = bearerToken(ctx.requestMeta);
  if (token) ctx.sessions?.evict(hashBearerToken(token), ctx.clock());
}
