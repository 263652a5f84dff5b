import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { NotNull } from 'kysely';
import { db } from '../db/database';
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
      const rows = await db(tx)
        .selectFrom('user_skills')
        .select(['id', 'credentials_id_enc', 'access_token_enc'])
        .where('id', '>', after)
        .where((eb) =>
          eb.or([
            eb('vault_key_id', '<>', current),
            eb('credentials_id_enc', 'not like', underKey(current)),
            eb('access_token_enc', 'not like', underKey(current)),
          ]),
        )
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .execute();
      for (const row of rows) {
        const secrets = readConsentSecrets(vault, {
          id: row.id,
          credentialsIdEnc: row.credentials_id_enc,
          accessTokenEnc: row.access_token_enc,
        });
        const sealed = sealConsentSecrets(vault, row.id, secrets);
        await db(tx)
          .updateTable('user_skills')
          .set({
            credentials_id_hash: sealed.credentialsIdHash,
            credentials_id_enc: sealed.credentialsIdEnc,
            access_token_enc: sealed.accessTokenEnc,
            vault_key_id: sealed.vaultKeyId,
          })
          .where('id', '=', row.id)
          .execute();
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
      // A session's nonce, and the bank's temp_token while it waits for the session's owner.
      const rows = await db(tx)
        .selectFrom('sessions')
        .select(['id', 'nonce_enc', 'return_token_enc'])
        .where('id', '>', after)
        .where((eb) =>
          eb.or([
            eb.and([eb('nonce_enc', 'is not', null), eb('nonce_enc', 'not like', underKey(current))]),
            eb.and([
              eb('return_token_enc', 'is not', null),
              eb('return_token_enc', 'not like', underKey(current)),
            ]),
          ]),
        )
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .execute();
      const reseal = (id: string, column: 'nonce_enc' | 'return_token_enc', sealed: string | null) => {
        if (sealed === null) return null;
        const aad = secretAad('sessions', id, column);
        return vault.encrypt(vault.decrypt(sealed, aad), aad);
      };
      for (const row of rows) {
        await db(tx)
          .updateTable('sessions')
          .set({
            nonce_enc: reseal(row.id, 'nonce_enc', row.nonce_enc),
            return_token_enc: reseal(row.id, 'return_token_enc', row.return_token_enc),
          })
          .where('id', '=', row.id)
          .execute();
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
      const rows = await db(tx)
        .selectFrom('payments')
        .select(['id', 'credentials_id_enc', 'access_token_enc'])
        .where('id', '>', after)
        .where('credentials_id_enc', 'is not', null)
        .where((eb) =>
          eb.or([
            eb('vault_key_id', '<>', current),
            eb('credentials_id_enc', 'not like', underKey(current)),
            eb('access_token_enc', 'not like', underKey(current)),
          ]),
        )
        // A payment consent's pair is stored whole or not at all (payment-secrets.ts).
        .$narrowType<{ credentials_id_enc: NotNull; access_token_enc: NotNull }>()
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .execute();
      for (const row of rows) {
        const sealed = sealPaymentSecrets(vault, row.id, readPaymentSecrets(vault, row));
        await db(tx)
          .updateTable('payments')
          .set({
            credentials_id_enc: sealed.credentials_id_enc,
            access_token_enc: sealed.access_token_enc,
            vault_key_id: sealed.vault_key_id,
          })
          .where('id', '=', row.id)
          .execute();
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
