import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';

/** Users and their bearer tokens (only the tokens' hashes are stored). */

/** Registers a user; undefined when the e-mail is taken (the unique constraint decides). */
export async function insertUser(
  em: EntityManager,
  user: { email: string; passwordHash: string; now: Date },
) {
  return db(em)
    .insertInto('users')
    .values({
      id: randomUUID(),
      email: user.email,
      password_hash: user.passwordHash,
      tenant_user_id: randomUUID(),
      created_at: user.now,
      updated_at: user.now,
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(['id', 'email', 'created_at'])
    .executeTakeFirst();
}

/** The user signing in with this (lower-cased) e-mail, with the hash to verify the password against. */
export async function findUserByEmail(em: EntityManager, email: string) {
  return db(em)
    .selectFrom('users')
    .select(['id', 'email', 'password_hash', 'created_at'])
    .where('email', '=', email)
    .executeTakeFirst();
}

export async function findUser(em: EntityManager, userId: string) {
  return db(em)
    .selectFrom('users')
    .select(['id', 'email', 'created_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
}

export async function insertAuthToken(
  em: EntityManager,
  token: { userId: string; tokenHash: string; expiresAt: Date; now: Date },
) {
  await db(em)
    .insertInto('auth_tokens')
    .values({
      id: randomUUID(),
      user_id: token.userId,
      token_hash: token.tokenHash,
      expires_at: token.expiresAt,
      created_at: token.now,
      updated_at: token.now,
    })
    .execute();
}

/** The live (unrevoked, unexpired at `now`) token with this hash, and its user. */
export async function findLiveToken(em: EntityManager, tokenHash: string, now: Date) {
  return db(em)
    .selectFrom('auth_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id as token_id', 't.last_used_at', 't.expires_at', 'u.id', 'u.email', 'u.tenant_user_id'])
    .where('t.token_hash', '=', tokenHash)
    .where('t.revoked_at', 'is', null)
    .where('t.expires_at', '>', now)
    .executeTakeFirst();
}

export async function touchToken(em: EntityManager, tokenId: string, now: Date) {
  await db(em).updateTable('auth_tokens').set({ last_used_at: now }).where('id', '=', tokenId).execute();
}

export async function revokeToken(em: EntityManager, tokenId: string, now: Date) {
  await db(em)
    .updateTable('auth_tokens')
    .set({ revoked_at: now, updated_at: now })
    .where('id', '=', tokenId)
    .where('revoked_at', 'is', null)
    .execute();
}
