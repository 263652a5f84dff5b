/**
 * Helpers for tests and benchmarks that check a synced database against the sandbox's ground
 * truth (`GET /_sandbox/truth`). Structural types only: nothing here imports the sandbox.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { executeRaw } from '@tenant/domain';

/**
 * Tests' and benches' ad-hoc statements (`?` placeholders), on the ORM's connection (inside `em`'s
 * transaction when it has one). The engine's own statements are Kysely, typed from the entities.
 */
export async function runSql<Row = Record<string, unknown>>(
  em: EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  return (await executeRaw<Row>(em, sql, params)).rows;
}

export type TruthTransactionLike = { utxId: string; status: string; amount: string; bookingDate: string };
export type TruthLike = {
  consents: {
    credentialsId: string;
    accounts: { accountId: string; transactions?: TruthTransactionLike[] }[];
  }[];
};

/** "-4.2700" and "-4.27" are the same amount: drop trailing fractional zeros (exact, no floats). */
export function normalizeDecimal(value: string): string {
  if (!value.includes('.')) return value === '-0' ? '0' : value;
  const trimmed = value.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

/** One line per transaction: `finqwareAccountId|utxId|status|amount|bookingDate(ms)`. */
const line = (accountId: string, t: TruthTransactionLike) =>
  `${accountId}|${t.utxId}|${t.status}|${normalizeDecimal(t.amount)}|${Date.parse(t.bookingDate)}`;

export function truthLines(truth: TruthLike, credentialsId: string): string[] {
  const consent = truth.consents.find((c) => c.credentialsId === credentialsId);
  if (!consent) throw new Error('consent not in truth');
  return consent.accounts.flatMap((a) => (a.transactions ?? []).map((t) => line(a.accountId, t))).sort();
}

export async function localLines(em: EntityManager, consentId: string): Promise<string[]> {
  const rows = await runSql<{ a: string; u: string; s: string; m: string; b: Date }>(
    em,
    `SELECT a.finqware_account_id AS a, t.utx_id AS u, t.status AS s, t.amount::text AS m, t.booking_date AS b
       FROM transactions t JOIN accounts a ON a.id = t.account_id WHERE a.user_skill_id = ?`,
    [consentId],
  );
  return rows
    .map((r) => line(r.a, { utxId: r.u, status: r.s, amount: r.m, bookingDate: new Date(r.b).toISOString() }))
    .sort();
}

/** A servicer/skill/user and an ACTIVE consent row with placeholder ciphertexts (tests supply secrets directly). */
export async function insertTestConsent(
  em: EntityManager,
  options: { tenantUserId?: string; skillCode?: string } = {},
): Promise<{ consentId: string; userId: string; tenantUserId: string }> {
  const skillCode = options.skillCode ?? 'rzb_ro_aisp_sbx_#1.0';
  const suffix = randomUUID();
  const [servicer] = await runSql<{ id: string }>(
    em,
    `INSERT INTO servicers (code, name, country) VALUES ('test_bank', 'Test Bank', 'Romania')
     ON CONFLICT (code) DO UPDATE SET name = excluded.name RETURNING id`,
  );
  const [skill] = await runSql<{ id: string }>(
    em,
    `INSERT INTO skills (servicer_id, code, name, kind, flow) VALUES (?, ?, 'Test skill', 'aisp', '[]')
     ON CONFLICT (code) DO UPDATE SET name = skills.name RETURNING id`,
    [servicer?.id, skillCode],
  );
  const tenantUserId = options.tenantUserId ?? randomUUID();
  const [user] = await runSql<{ id: string }>(
    em,
    `INSERT INTO users (email, password_hash, tenant_user_id) VALUES (?, 'x', ?)
     ON CONFLICT (tenant_user_id) DO UPDATE SET email = users.email RETURNING id`,
    [`user-${suffix}@example.com`, tenantUserId],
  );
  const [consent] = await runSql<{ id: string }>(
    em,
    `INSERT INTO user_skills (user_id, skill_id, credentials_id_hash, credentials_id_enc, access_token_enc, vault_key_id)
     VALUES (?, ?, ?, 'enc', 'enc', 'test') RETURNING id`,
    [user?.id, skill?.id, `test-${suffix}`],
  );
  return { consentId: (consent as { id: string }).id, userId: (user as { id: string }).id, tenantUserId };
}
