import type { EntityManager } from '@mikro-orm/postgresql';
import { insertTestConsent, runSql } from '../src/testing';

/** A user, a skill and an ACTIVE consent, written with plain SQL (the vault is not the engine's concern). */
export function insertConsent(em: EntityManager, options: { tenantUserId?: string } = {}) {
  return insertTestConsent(em, { ...options, skillCode: 'test_ro_aisp_sbx_#1.0' });
}

export async function localTransactions(em: EntityManager, consentId: string) {
  return runSql<{
    utxId: string;
    finqwareId: string;
    status: string;
    amount: string;
    description: string | null;
  }>(
    em,
    `SELECT t.utx_id AS "utxId", t.finqware_id AS "finqwareId", t.status, t.amount::text AS amount, t.description
       FROM transactions t JOIN accounts a ON a.id = t.account_id
      WHERE a.user_skill_id = ? ORDER BY t.utx_id`,
    [consentId],
  );
}

export async function syncRuns(em: EntityManager, consentId: string) {
  return runSql<{
    outcome: string;
    errorClass: string | null;
    inserted: number;
    updated: number;
    removed: number;
  }>(
    em,
    `SELECT outcome, error_class AS "errorClass", inserted, updated, removed FROM sync_runs
      WHERE user_skill_id = ? ORDER BY started_at`,
    [consentId],
  );
}
