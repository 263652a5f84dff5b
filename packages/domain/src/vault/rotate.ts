import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { readConsentSecrets, sealConsentSecrets } from '../services/consent-secrets';
import { readPaymentSecrets, sealPaymentSecrets } from '../services/payment-secrets';
import { secretAad, type Vault } from './vault';

export interface RotationProgress {
  table: 'user_skills' | 'sessions' | 'payments';
  rotated: number;
}

export interface RotateOptions {
  /** Rows re-encrypted per transaction (default 200). */
  batchSize?: number;
  onProgress?: (progress: RotationProgress) => void;
}

export interface RotationResult {
  rotated: number;
  byTable: { user_skills: number; sessions: number; payments: number };
}

/** LIKE pattern matching values sealed under key `kid` (kids may contain `_`, a LIKE wildcard). */
const underKey = (kid: string) => `v1.${kid.replace(/[\\%_]/g, (c) => `\\${c}`)}.%`;

/**
 * Re-encrypts every secret not yet under the vault's newest key (and recomputes credentials_id_hash
 * with the newest HMAC key), in batches of one transaction each, walking ids in order (keyset) so
 * the work is resumable and never holds long locks. Afterwards the old keys can be removed from
 * VAULT_KEYS. Safe to run while the application runs: each batch locks only its own rows.
 */
export async function rotateVaultKeys(
  target: MikroORM | EntityManager,
  vault: Vault,
  options: RotateOptions = {},
): Promise<RotationResult> {
  const em = ('em' in target ? target.em : target).fork();
  const batchSize = options.batchSize ?? 200;
  const byTable = { user_skills: 0, sessions: 0, payments: 0 };
  const current = vault.currentKeyId;

  for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
    const count = await em.transactional(async (tx) => {
      const rows = await tx.execute<{ id: string; credentials_id_enc: string; access_token_enc: string }[]>(
        `select id, credentials_id_enc, access_token_enc from user_skills
         where id > ? and (vault_key_id <> ? or credentials_id_enc not like ? or access_token_enc not like ?)
         order by id limit ? for update`,
        [after, current, underKey(current), underKey(current), batchSize],
      );
      for (const row of rows) {
        const secrets = readConsentSecrets(vault, {
          id: row.id,
          credentialsIdEnc: row.credentials_id_enc,
          accessTokenEnc: row.access_token_enc,
        });
        const sealed = sealConsentSecrets(vault, row.id, secrets);
        await tx.execute(
          'update user_skills set credentials_id_hash = ?, credentials_id_enc = ?, access_token_enc = ?, vault_key_id = ? where id = ?',
          [
            sealed.credentialsIdHash,
            sealed.credentialsIdEnc,
            sealed.accessTokenEnc,
            sealed.vaultKeyId,
            row.id,
          ],
        );
        after = row.id;
      }
      return rows.length;
    });
    if (count === 0) break;
    byTable.user_skills += count;
    options.onProgress?.({ table: 'user_skills', rotated: byTable.user_skills });
    if (count < batchSize) break;
  }

  for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
    const count = await em.transactional(async (tx) => {
      const rows = await tx.execute<{ id: string; nonce_enc: string }[]>(
        `select id, nonce_enc from sessions where id > ? and nonce_enc is not null and nonce_enc not like ?
         order by id limit ? for update`,
        [after, underKey(current), batchSize],
      );
      for (const row of rows) {
        const aad = secretAad('sessions', row.id, 'nonce_enc');
        await tx.execute('update sessions set nonce_enc = ? where id = ?', [
          vault.encrypt(vault.decrypt(row.nonce_enc, aad), aad),
          row.id,
        ]);
        after = row.id;
      }
      return rows.length;
    });
    if (count === 0) break;
    byTable.sessions += count;
    options.onProgress?.({ table: 'sessions', rotated: byTable.sessions });
    if (count < batchSize) break;
  }

  for (let after = '00000000-0000-0000-0000-000000000000'; ; ) {
    const count = await em.transactional(async (tx) => {
      const rows = await tx.execute<{ id: string; credentials_id_enc: string; access_token_enc: string }[]>(
        `select id, credentials_id_enc, access_token_enc from payments
         where id > ? and credentials_id_enc is not null
           and (vault_key_id <> ? or credentials_id_enc not like ? or access_token_enc not like ?)
         order by id limit ? for update`,
        [after, current, underKey(current), underKey(current), batchSize],
      );
      for (const row of rows) {
        const sealed = sealPaymentSecrets(vault, row.id, readPaymentSecrets(vault, row));
        await tx.execute(
          'update payments set credentials_id_enc = ?, access_token_enc = ?, vault_key_id = ? where id = ?',
          [sealed.credentials_id_enc, sealed.access_token_enc, sealed.vault_key_id, row.id],
        );
        after = row.id;
      }
      return rows.length;
    });
    if (count === 0) break;
    byTable.payments += count;
    options.onProgress?.({ table: 'payments', rotated: byTable.payments });
    if (count < batchSize) break;
  }

  return { rotated: byTable.user_skills + byTable.sessions + byTable.payments, byTable };
}
