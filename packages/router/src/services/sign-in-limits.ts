import { isIPv4, isIPv6 } from 'node:net';
import type { EntityManager } from '@mikro-orm/postgresql';
import { tooManyRequests } from '../errors';
import type { RouterConfig } from '../ports';
import { type Limit, release, reserve, settle } from './rate-limit';

/**
 * The limits of the sign-in edge (#12 items 1, 2), each taken before any password is hashed:
 *
 * - per e-mail, at most `loginFailuresPerEmail.max` passwords verified as wrong per window. A sign-in
 *   holds a slot while its password is verified; a right password gives it back, a wrong one keeps
 *   it as a failure. So of any burst of guesses only as many as there are free slots are hashed, and
 *   the rest are TOO_MANY_REQUESTS, whichever instance they reach. The right password does not
 *   bypass a full window, and succeeding forgives no earlier failure: that would reopen the window
 *   to the guesser.
 * - per client address, every sign-in and every registration counts (an attempt, right or wrong),
 *   so one address can neither spray passwords over many accounts nor keep the hashing busy.
 */
export type AuthLimits = RouterConfig['authLimits'];

/** A sign-in's slot in its e-mail's failure window, settled when the password has been verified. */
export type LoginSlot = {
  /** The password was right: the slot is free again. */
  succeeded(): Promise<void>;
  /** The password was wrong (or the account unknown): the slot stays taken as a failure. */
  failed(): Promise<void>;
  /** Nothing was verified (the hashing queue was full): the slot is free again. */
  abandoned(): Promise<void>;
};

export async function takeLoginSlot(
  em: EntityManager,
  limits: AuthLimits,
  who: { email: string; address: string },
  now: Date,
): Promise<LoginSlot> {
  await take(
    em,
    `login:${addressKey(who.address)}`,
    limits.loginsPerAddress,
    now,
    'Too many sign-ins from your network',
  );
  const hitId = await take(
    em,
    `login-failures:${who.email}`,
    limits.loginFailuresPerEmail,
    now,
    'Too many failed sign-in attempts',
    'pending',
  );
  return {
    succeeded: () => release(em, hitId),
    failed: () => settle(em, hitId, 'failure'),
    abandoned: () => release(em, hitId),
  };
}

export async function takeRegistrationSlot(
  em: EntityManager,
  limits: AuthLimits,
  address: string,
  now: Date,
): Promise<void> {
  await take(
    em,
    `register:${addressKey(address)}`,
    limits.registrationsPerAddress,
    now,
    'Too many registrations from your network',
  );
}

async function take(
  em: EntityManager,
  key: string,
  limit: Limit,
  now: Date,
  refusal: string,
  kind: 'attempt' | 'pending' = 'attempt',
): Promise<string> {
  const reservation = await reserve(em, key, kind, limit, now);
  if (!reservation.taken) throw tooManyRequests(refusal, reservation.retryAfterSeconds);
  return reservation.hitId;
}

/**
 * The address a limit is kept for. IPv4 as is (an IPv4-mapped IPv6 address is its IPv4); IPv6 by its
 * /64, the smallest block a subscriber is given: counting single IPv6 addresses would give whoever
 * holds a /64 2^64 fresh budgets.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const groups = (part: string | undefined) =>
    part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : [];
  const left = groups(head);
  const right = groups(tail);
  const full = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${full
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
