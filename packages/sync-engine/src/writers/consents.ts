import type { EntityManager } from '@mikro-orm/postgresql';
import { db, type SyncReason } from '@tenant/domain';
import { sql } from 'kysely';
import type { ErrorClass } from '../errors';

/** The consent a sync is about, with the opaque user id Finqware knows it by; null if it is gone. */
export async function loadConsent(em: EntityManager, consentId: string) {
  const row = await db(em)
    .selectFrom('user_skills as us')
    .innerJoin('users as u', 'u.id', 'us.user_id')
    .select([
      'us.id',
      'us.user_id as userId',
      'u.tenant_user_id as tenantUserId',
      'us.status',
      'us.sync_cursor as syncCursor',
    ])
    .where('us.id', '=', consentId)
    .executeTakeFirst();
  return row ?? null;
}

export type SyncedConsent = NonNullable<Awaited<ReturnType<typeof loadConsent>>>;

/** Consent gone at Finqware: stop syncing it until the user consents again. */
export async function markReauthRequired(em: EntityManager, consentId: string): Promise<void> {
  await db(em)
    .updateTable('user_skills')
    .set({ status: 'REAUTH_REQUIRED', last_sync_outcome: 'REAUTH_REQUIRED', updated_at: sql<Date>`now()` })
    .where('id', '=', consentId)
    .where('status', '=', 'ACTIVE')
    .execute();
}

export type RunOutcome = 'SUCCEEDED' | 'FAILED' | 'RETRYING' | 'REAUTH_REQUIRED';

export type RunCounts = { accountsSynced: number; inserted: number; updated: number; removed: number };

export async function startRun(
  em: EntityManager,
  run: { consentId: string; jobId: string | null; reason: SyncReason },
): Promise<string> {
  // A run still RUNNING when a new one of its consent starts belongs to an attempt pg-boss gave
  // up on: its worker died (SIGKILL, OOM, lost host), or its job's heartbeat lapsed on a starved
  // worker and this is the retry. It is closed here, or the ledger would show it running forever;
  // a live one writes nothing more from then on (WRITE_PAGE_SQL), and this run resumes its work
  // from the cursor.
  const row = await db(em)
    .with('abandoned', (qc) =>
      qc
        .updateTable('sync_runs')
        .set({
          outcome: 'FAILED',
          error_class: 'internal',
          finished_at: sql<Date>`now()`,
          updated_at: sql<Date>`now()`,
          error_message:
            'abandoned: its job went back to the queue before it finished (worker died or heartbeat lapsed); the next run resumed from the cursor',
        })
        .where('user_skill_id', '=', run.consentId)
        .where('outcome', '=', 'RUNNING'),
    )
    .insertInto('sync_runs')
    .values({
      user_skill_id: run.consentId,
      job_id: run.jobId,
      reason: run.reason,
      started_at: sql<Date>`now()`,
      outcome: 'RUNNING',
      accounts_synced: 0,
      inserted: 0,
      updated: 0,
      removed: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function finishRun(
  em: EntityManager,
  runId: string,
  consentId: string,
  result: { outcome: RunOutcome; counts: RunCounts; errorClass?: ErrorClass; errorMessage?: string },
): Promise<boolean> {
  const { outcome, counts } = result;
  // Only a run still RUNNING is finished: one a newer run closed (startRun) keeps that record,
  // and the consent's last outcome is the newer run's to set.
  const finished = await db(em)
    .updateTable('sync_runs')
    .set({
      finished_at: sql<Date>`now()`,
      outcome,
      error_class: result.errorClass ?? null,
      error_message: result.errorMessage?.slice(0, 1000) ?? null,
      accounts_synced: counts.accountsSynced,
      inserted: counts.inserted,
      updated: counts.updated,
      removed: counts.removed,
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', runId)
    .where('outcome', '=', 'RUNNING')
    .executeTakeFirst();
  if (Number(finished.numUpdatedRows) === 0) return false;
  await db(em)
    .updateTable('user_skills')
    .set({
      last_sync_outcome: outcome,
      ...(outcome === 'SUCCEEDED' ? { last_synced_at: sql<Date>`now()` } : {}),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', consentId)
    .execute();
  return true;
}
