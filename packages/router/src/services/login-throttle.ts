import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db';
import { tooManyRequests } from '../errors';
import type { RouterConfig } from '../ports';

/**
 * Failed logins are rows in login_failures, so the limit holds across api instances and restarts.
 * Two independent limits: per email (guessing one account's password) and per address (one
 * client spraying many accounts). Once over a limit the caller waits until enough failures age
 * out of the window; a correct password does not bypass it.
 */
export async function assertLoginAllowed(
  em: EntityManager,
  limits: RouterConfig['loginThrottle'],
  key: { email: string; address: string },
  now: Date,
): Promise<void> {
  const since = new Date(now.getTime() - limits.windowSeconds * 1000);
  // The retry instant is when the failure that put the key over its limit leaves the window.
  const [byEmail, byAddress] = await Promise.all([
    blockedUntil(em, 'email', key.email, since, limits.maxPerEmail, limits.windowSeconds),
    blockedUntil(em, 'address', key.address, since, limits.maxPerAddress, limits.windowSeconds),
  ]);
  const until = [byEmail, byAddress]
    .filter((d): d is Date => d !== undefined)
    .sort((a, b) => b.getTime() - a.getTime())[0];
  if (until && until > now) {
    throw tooManyRequests('Too many failed sign-in attempts', (until.getTime() - now.getTime()) / 1000);
  }
}

async function blockedUntil(
  em: EntityManager,
  column: 'email' | 'address',
  value: string,
  since: Date,
  max: number,
  windowSeconds: number,
): Promise<Date | undefined> {
  const row = await sql(em).one<{ created_at: Date }>(
    `select created_at from login_failures
      where ${column} = ? and created_at > ?
      order by created_at desc offset ? limit 1`,
    [value, since, max - 1],
  );
  return row ? new Date(row.created_at.getTime() + windowSeconds * 1000) : undefined;
}

export async function recordLoginFailure(
  em: EntityManager,
  key: { email: string; address: string },
  now: Date,
) {
  await sql(em).run('insert into login_failures (id, email, address, created_at) values (?, ?, ?, ?)', [
    randomUUID(),
    key.email,
    key.address,
    now,
  ]);
}

/** A successful sign-in forgives that account's failures (not the address's). */
export async function clearLoginFailures(em: EntityManager, email: string) {
  await sql(em).run('delete from login_failures where email = ?', [email]);
}
