import { hash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import pLimit from 'p-limit';

/**
 * scrypt parameters: N=2^15, r=8, p=1 (~32 MiB, tens of ms) per OWASP's guidance. They are
 * stored in the hash so they can be raised later without invalidating old hashes.
 */
const PARAMS = { N: 32768, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const MAX_MEMORY = 64 * 1024 * 1024;

/**
 * scrypt runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise), which
 * file access, DNS and zlib share. At most half of it hashes at once, so a burst of sign-ins
 * cannot starve the rest of the process; the others wait their turn in this queue.
 */
const HASH_CONCURRENCY = Math.max(1, Math.floor(Number(process.env.UV_THREADPOOL_SIZE ?? 4) / 2));
/**
 * Hashes waiting beyond this are refused at once (`HashingBusyError`): about a second of work at
 * tens of milliseconds a hash and two at a time, the most a sign-in should ever wait behind others.
 */
export const MAX_WAITING_HASHES = 32;
const hashing = pLimit(HASH_CONCURRENCY);
/**
 * New passwords (registrations) take at most all but one of those slots, so a flood of
 * registrations — one address gets AUTH_REGISTER_MAX_PER_ADDRESS of them hashed — never has a
 * sign-in wait for more than the hashes ahead of it in its own queue (#12 item 2).
 */
const newPasswords = pLimit(Math.max(1, HASH_CONCURRENCY - 1));
/** Password hashes this process has started or queued since it started. */
let computed = 0;

/** Too many password hashes queued in this process: the caller answers "busy, retry shortly". */
export class HashingBusyError extends Error {
  override readonly name = 'HashingBusyError';
  constructor() {
    super('too many password hashes waiting');
  }
}

function derive(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
  lane: 'new' | 'verify',
): Promise<Buffer> {
  if (hashing.pendingCount + newPasswords.pendingCount >= MAX_WAITING_HASHES) {
    return Promise.reject(new HashingBusyError());
  }
  computed++;
  const run = () =>
    hashing(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          scrypt(
            password.normalize('NFKC'),
            salt,
            KEY_LENGTH,
            { ...params, maxmem: MAX_MEMORY },
            (err, key) => (err ? reject(err) : resolve(key)),
          );
        }),
    );
  return lane === 'new' ? newPasswords(run) : run();
}

/** `scrypt$N$r$p$<salt b64url>$<hash b64url>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, PARAMS, 'new');
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(
    password,
    Buffer.from(salt, 'base64url'),
    {
      N: Number(n),
      r: Number(r),
      p: Number(p),
    },
    'verify',
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash of a password nobody knows, verified when the email is unknown so a login for a missing
 * account costs the same as one with a wrong password (no user enumeration by timing).
 */
let decoy: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/** 256 random bits, base64url: the bearer token the client keeps. */
export function newBearerToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this hash is stored; a database leak does not yield usable tokens. */
export function hashBearerToken(token: string): string {
  // One-shot: no Hash object per request (every authenticated request hashes its token).
  return hash('sha256', token, 'hex');
}

/**
 * Password hashing in this process: hashes started so far, running now (of which new passwords),
 * waiting now (metrics, tests).
 */
export function passwordHashStats(): {
  started: number;
  running: number;
  runningNew: number;
  waiting: number;
} {
  return {
    started: computed,
    running: hashing.activeCount,
    // A new password holds its lane's slot while it waits for, then runs in, a hashing slot.
    runningNew: Math.min(newPasswords.activeCount, hashing.activeCount),
    waiting: hashing.pendingCount + newPasswords.pendingCount,
  };
}
