import { type AuthedUser, bearerToken, type Context } from '../context';
import { sql } from '../db';
import { hashBearerToken } from './crypto';

/** last_used_at is refreshed at most this often, so reads do not each cost a write. */
const LAST_USED_GRANULARITY_MS = 60_000;

type TokenRow = { token_id: string; last_used_at: Date | null; expires_at: Date } & {
  id: string;
  email: string;
  tenant_user_id: string;
};

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
  const row = await sql(ctx.em).one<TokenRow>(
    `select t.id as token_id, t.last_used_at, t.expires_at, u.id, u.email, u.tenant_user_id
       from auth_tokens t join users u on u.id = t.user_id
      where t.token_hash = ? and t.revoked_at is null and t.expires_at > ?`,
    [tokenHash, now],
  );
  if (!row) return undefined;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_GRANULARITY_MS) {
    await sql(ctx.em).run('update auth_tokens set last_used_at = ? where id = ?', [now, row.token_id]);
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
