import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../src/writers/sql';

/** A user, a skill and an ACTIVE consent, written with plain SQL (the vault is not the engine's concern). */
export async function insertConsent(em: EntityManager, options: { tenantUserId?: string } = {}) {
  const suffix = randomUUID().slice(0, 8);
  const [servicer] = await runSql<{ id: string }>(
    em,
    `INSERT INTO servicers (code, name, country) VALUES (?, 'Test Bank', 'Romania')
     ON CONFLICT (code) DO UPDATE SET name = excluded.name RETURNING id`,
    ['test_ro'],
  );
  const [skill] = await runSql<{ id: string }>(
    em,
    `INSERT INTO skills (servicer_id, code, name, kind, flow) VALUES (?, ?, 'Test skill', 'aisp', '[]')
     ON CONFLICT (code) DO UPDATE SET name = excluded.name RETURNING id`,
    [servicer?.id, 'test_ro_aisp_sbx_#1.0'],
  );
  const tenantUserId = options.tenantUserId ?? randomUUID();
  const [user] = await runSql<{ id: string }>(
    em,
    `INSERT INTO users (email, password_hash, tenant_user_id) VALUES (?, 'x', ?) RETURNING id`,
    [`user-${suffix}@example.com`, tenantUserId],
  );
  const [consent] = await runSql<{ id: string }>(
    em,
    `INSERT INTO user_skills (user_id, skill_id, credentials_id_hash, credentials_id_enc, access_token_enc, vault_key_id)
     VALUES (?, ?, ?, 'enc', 'enc', 'k1') RETURNING id`,
    [user?.id, skill?.id, `hash-${suffix}`],
  );
  return { consentId: (consent as { id: string }).id, userId: (user as { id: string }).id, tenantUserId };
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
