import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { sql } from 'kysely';
import { notFound } from '../../errors';

/** A user's consents (user_skills): ownership, the list with each one's last run, revocation. */

/**
 * The consent, if it is this user's; NOT_FOUND otherwise. `forUpdate` locks its row for the rest
 * of the transaction (concurrent refreshes of one consent are serialised through it).
 */
export async function findOwnedConsent(
  em: EntityManager,
  userId: string,
  consentId: string,
  options: { forUpdate?: boolean } = {},
) {
  let query = db(em)
    .selectFrom('user_skills as us')
    .innerJoin('skills as k', 'k.id', 'us.skill_id')
    .select(['us.id', 'us.user_id', 'us.status', 'k.kind as skill_kind'])
    .where('us.id', '=', consentId)
    .where('us.user_id', '=', userId);
  if (options.forUpdate) query = query.forUpdate('us');
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('Consent');
  return row;
}

/** The user's consents, newest first, each with its skill, bank and most recent sync run. */
export async function listConsents(em: EntityManager, userId: string) {
  return db(em)
    .selectFrom('user_skills as us')
    .innerJoin('skills as k', 'k.id', 'us.skill_id')
    .innerJoin('servicers as s', 's.id', 'k.servicer_id')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('sync_runs as sr')
          .select(['sr.outcome', 'sr.error_class', 'sr.started_at', 'sr.finished_at'])
          .whereRef('sr.user_skill_id', '=', 'us.id')
          .orderBy('sr.started_at', 'desc')
          .limit(1)
          .as('r'),
      (join) => join.onTrue(),
    )
    .select([
      'us.id',
      'us.status',
      'us.consent_exp',
      'us.expires_soon',
      'us.last_synced_at',
      'us.last_sync_outcome',
      'us.revoked_at',
      'us.created_at',
      'k.id as skill_id',
      'k.code as skill_code',
      'k.name as skill_name',
      'k.kind as skill_kind',
      's.code as servicer_code',
      's.name as servicer_name',
      's.country as servicer_country',
      'r.outcome as run_outcome',
      'r.error_class as run_error_class',
      'r.started_at as run_started_at',
      'r.finished_at as run_finished_at',
    ])
    .where('us.user_id', '=', userId)
    .orderBy('us.created_at', 'desc')
    .orderBy('us.id', 'desc')
    .execute();
}

/**
 * Seconds until the user may ask for another sync of this consent (0 when they may), counted
 * from the last manual sync that was enqueued, on the database clock every api instance shares.
 */
export async function manualSyncWait(em: EntityManager, consentId: string, cooldownSeconds: number) {
  const row = await db(em)
    .selectFrom('user_skills')
    .select(
      sql<
        number | null
      >`extract(epoch from manual_sync_at + make_interval(secs => ${cooldownSeconds}) - now())::float8`.as(
        'remaining',
      ),
    )
    .where('id', '=', consentId)
    .executeTakeFirst();
  return Math.max(0, row?.remaining ?? 0);
}

/** A manual sync was enqueued now (in the caller's transaction): its cooldown starts. */
export async function recordManualSync(em: EntityManager, consentId: string) {
  await db(em)
    .updateTable('user_skills')
    .set({ manual_sync_at: sql<Date>`now()` })
    .where('id', '=', consentId)
    .execute();
}

/** The consent's encrypted pair, for the vault to open (never leaves the server). */
export async function findConsentSecrets(em: EntityManager, consentId: string) {
  return db(em)
    .selectFrom('user_skills')
    .select(['id', 'credentials_id_enc', 'access_token_enc'])
    .where('id', '=', consentId)
    .executeTakeFirst();
}

/**
 * Marks the consent DELETED (its first revocation time kept) and stops its scheduled syncs;
 * with `purge`, its cached accounts go too (balances and transactions cascade). Run in a transaction.
 */
export async function markConsentRevoked(
  em: EntityManager,
  consent: { id: string; userId: string },
  now: Date,
  purge: boolean,
) {
  await db(em)
    .updateTable('user_skills')
    .set((eb) => ({
      status: 'DELETED',
      revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)),
      next_sync_at: null,
      updated_at: now,
    }))
    .where('id', '=', consent.id)
    .where('user_id', '=', consent.userId)
    .execute();
  if (purge) {
    await db(em)
      .deleteFrom('accounts')
      .where('user_skill_id', '=', consent.id)
      .where('user_id', '=', consent.userId)
      .execute();
  }
}
