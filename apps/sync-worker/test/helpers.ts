import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '@tenant/sync-engine/testing';

/** A servicer, skill and user to hang consents on (plain SQL: these tests are about the worker). */
export async function insertOwner(
  em: EntityManager,
): Promise<{ userId: string; skillId: string; tenantUserId: string }> {
  const [servicer] = await runSql<{ id: string }>(
    em,
    `INSERT INTO servicers (code, name, country) VALUES ('bench_ro', 'Bench Bank', 'Romania')
     ON CONFLICT (code) DO UPDATE SET name = excluded.name RETURNING id`,
  );
  const [skill] = await runSql<{ id: string }>(
    em,
    `INSERT INTO skills (servicer_id, code, name, kind, flow) VALUES (?, 'bench_ro_aisp_sbx_#1.0', 'Bench', 'aisp', '[]')
     ON CONFLICT (code) DO UPDATE SET name = excluded.name RETURNING id`,
    [servicer?.id],
  );
  const tenantUserId = randomUUID();
  const [user] = await runSql<{ id: string }>(
    em,
    `INSERT INTO users (email, password_hash, tenant_user_id) VALUES (?, 'x', ?) RETURNING id`,
    [`owner-${tenantUserId.slice(0, 8)}@example.com`, tenantUserId],
  );
  return { userId: (user as { id: string }).id, skillId: (skill as { id: string }).id, tenantUserId };
}

/** `count` ACTIVE consents with placeholder secrets, in one statement. */
export async function insertBulkConsents(em: EntityManager, count: number): Promise<void> {
  const { userId, skillId } = await insertOwner(em);
  await runSql(
    em,
    `INSERT INTO user_skills (user_id, skill_id, credentials_id_hash, credentials_id_enc, access_token_enc, vault_key_id)
     SELECT ?, ?, 'bulk-' || g || '-' || gen_random_uuid(), 'enc', 'enc', 'k1' FROM generate_series(1, ?) AS g`,
    [userId, skillId, count],
  );
}
