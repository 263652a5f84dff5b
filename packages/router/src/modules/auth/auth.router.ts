import type { EntityManager } from '@mikro-orm/postgresql';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { forgetSession } from '../../auth/authenticate';
import {
  decoyPasswordHash,
  HashingBusyError,
  hashBearerToken,
  hashPassword,
  newBearerToken,
  verifyPassword,
} from '../../auth/crypto';
import type { Context } from '../../context';
import { conflict, tooManyRequests, unauthorized } from '../../errors';
import { credentials, loginInput } from '../../schemas';
import { takeLoginSlot, takeRegistrationSlot } from '../../services/sign-in-limits';
import { authedProcedure, publicProcedure } from '../../trpc';
import { findUser, findUserByEmail, insertAuthToken, insertUser, revokeToken } from './auth.repository';

export type PublicUser = { id: string; email: string; createdAt: Date };

function publicUser(row: { id: string; email: string; created_at: Date }): PublicUser {
  return { id: row.id, email: row.email, createdAt: row.created_at };
}

async function issueToken(em: EntityManager, ctx: Context, userId: string) {
  const token = newBearerToken();
  const now = ctx.clock();
  const expiresAt = new Date(now.getTime() + ctx.config.authTokenTtlSeconds * 1000);
  await insertAuthToken(em, { userId, tokenHash: hashBearerToken(token), expiresAt, now });
  return { token, expiresAt };
}

/** A password hash, or TOO_MANY_REQUESTS when this process already has a queue of them (crypto.ts). */
async function hashed<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof HashingBusyError) throw tooManyRequests('Too many sign-ins at once', 1);
    throw err;
  }
}

export const authRouter = {
  register: publicProcedure.input(credentials).mutation(async ({ ctx, input }) => {
    // Counted before the hash, free e-mail or taken: the CONFLICT below tells who has an account,
    // at most as often as this limit lets one address ask, and no sooner than a hash takes.
    await takeRegistrationSlot(ctx.em, ctx.config.authLimits, ctx.requestMeta.ip, ctx.clock());
    const passwordHash = await hashed(() => hashPassword(input.password));
    const now = ctx.clock();
    const row = await insertUser(ctx.em, { email: input.email, passwordHash, now });
    if (!row) throw conflict('An account with this email already exists', 'EMAIL_TAKEN');
    const { token, expiresAt } = await issueToken(ctx.em, ctx, row.id);
    return { token, expiresAt, user: publicUser(row) };
  }),

  login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
    // Refused here (429) unless both the address and the e-mail have a slot: before any hashing.
    const slot = await takeLoginSlot(
      ctx.em,
      ctx.config.authLimits,
      { email: input.email, address: ctx.requestMeta.ip },
      ctx.clock(),
    );
    let row: Awaited<ReturnType<typeof findUserByEmail>>;
    let valid: boolean;
    try {
      row = await findUserByEmail(ctx.em, input.email);
      valid = await hashed(async () =>
        verifyPassword(input.password, row?.password_hash ?? (await decoyPasswordHash())),
      );
    } catch (err) {
      await slot.abandoned();
      throw err;
    }
    if (!row || !valid) {
      await slot.failed();
      throw unauthorized('Email or password is incorrect');
    }
    await slot.succeeded();
    const { token, expiresAt } = await issueToken(ctx.em, ctx, row.id);
    return { token, expiresAt, user: publicUser(row) };
  }),

  me: authedProcedure.query(async ({ ctx }) => {
    const row = await findUser(ctx.em, ctx.user.id);
    if (!row) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
    return publicUser(row);
  }),

  /** Revokes the token this request was made with; other sessions of the user stay signed in. */
  logout: authedProcedure.mutation(async ({ ctx }) => {
    const now = ctx.clock();
    await revokeToken(ctx.em, ctx.tokenId, now);
    forgetSession(ctx);
    return { ok: true as const };
  }),
} satisfies TRPCRouterRecord;
