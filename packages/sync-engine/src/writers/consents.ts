import type { EntityManager } from '@mikro-orm/postgresql';
import type { ErrorClass } from '../errors';
import { runSql } from './sql';

export type ConsentRow = {
  id: string;
  userId: string;
  tenantUserId: string;
  status: string;
  syncCursor: unknown;
};

export async function loadConsent(em: EntityManager, consentId: string): Promise<ConsentRow | null> {
  const rows = await runSql<ConsentRow>(
    em,
    `SELECT us.id, us.user_id AS "userId", u.tenant_user_id AS "tenantUserId", us.status,
            us.sync_cursor AS "syncCursor"
       FROM user_skills us JOIN users u ON u.id = us.user_id
      WHERE us.id = ?`,
    [consentId],
  );
  return rows[0] ?? null;
}

/** Consent gone at Finqware: stop syncing it until the user consents again. */
export async function markReauthRequired(em: EntityManager, consentId: string): Promise<void> {
  await runSql(
    em,
    `UPDATE user_skills SET status = 'REAUTH_REQUIRED', last_sync_outcome = 'REAUTH_REQUIRED', updated_at = now()
      WHERE id = ? AND status = 'ACTIVE'`,
    [consentId],
  );
}

export type RunOutcome = 'SUCCEEDED' | 'FAILED' | 'RETRYING' | 'REAUTH_REQUIRED';

export type RunCounts = { accountsSynced: number; inserted: number; updated: number; removed: number };

export async function startRun(
  em: EntityManager,
  run: { consentId: string; jobId: string | null; reason: string },
): Promise<string> {
  // Only one sync of a consent runs at a time (the queue's singleton key), so a run still RUNNING
  // when a new one starts belongs to a worker that died (SIGKILL, OOM, lost host). It is closed
  // here, or the ledger would show it running forever; this run resumes its work from the cursor.
  const rows = await runSql<{ id: string }>(
    em,
    `WITH abandoned AS (
       UPDATE sync_runs SET outcome = 'FAILED', error_class = 'internal', finished_at = now(), updated_at = now(),
              error_message = 'abandoned: its worker stopped before finishing; the next run resumed from the cursor'
        WHERE user_skill_id = ? AND outcome = 'RUNNING'
     )
     INSERT INTO sync_runs (user_skill_id, job_id, reason, started_at, outcome, accounts_synced, inserted, updated, removed)
     VALUES (?, ?, ?, now(), 'RUNNING', 0, 0, 0, 0) RETURNING id`,
    [run.consentId, run.consentId, run.jobId, run.reason],
  );
  return (rows[0] as { id: string }).id;
}

export async function finishRun(
  em: EntityManager,
  runId: string,
  consentId: string,
  result: { outcome: RunOutcome; counts: RunCounts; errorClass?: ErrorClass; errorMessage?: string },
): Promise<void> {
  const { outcome, counts } = result;
  await runSql(
    em,
    `UPDATE sync_runs SET finished_at = now(), outcome = ?, error_class = ?, error_message = ?,
            accounts_synced = ?, inserted = ?, updated = ?, removed = ?, updated_at = now()
      WHERE id = ?`,
    [
      outcome,
      result.errorClass ?? null,
      result.errorMessage?.slice(0, 1000) ?? null,
      counts.accountsSynced,
      counts.inserted,
      counts.updated,
      counts.removed,
      runId,
    ],
  );
  await runSql(
    em,
    `UPDATE user_skills SET last_sync_outcome = ?,
            last_synced_at = CASE WHEN ?::boolean THEN now() ELSE last_synced_at END, updated_at = now()
      WHERE id = ?`,
    [outcome, outcome === 'SUCCEEDED', consentId],
  );
}
