import { secretAad, type Vault } from '../vault/vault';
import type { ConsentSecrets } from './consent-secrets';

/**
 * The only code that writes or reads the secret columns of payments: the (credentials_id,
 * access_token) pair of the payment consent Finqware issued when the PSU authorised the payment.
 * Like a consent's, bound by the vault to its table, row and column.
 */

export const PAYMENT_SECRET_COLUMNS = ['credentials_id_enc', 'access_token_enc'] as const;

/** Seals both secrets for payment `paymentId` under the vault's current key. */
export function sealPaymentSecrets(vault: Vault, paymentId: string, secrets: ConsentSecrets) {
  return {
    credentials_id_enc: vault.encrypt(
      secrets.credentialsId,
      secretAad('payments', paymentId, 'credentials_id_enc'),
    ),
    access_token_enc: vault.encrypt(
      secrets.accessToken,
      secretAad('payments', paymentId, 'access_token_enc'),
    ),
    vault_key_id: vault.currentKeyId,
  };
}

/** The payment consent's pair, for a "get payment" call. @throws VaultError when a value does not authenticate. */
export function readPaymentSecrets(
  vault: Vault,
  row: { id: string; credentials_id_enc: string; access_token_enc: string },
): ConsentSecrets {
  return {
    credentialsId: vault.decrypt(row.credentials_id_enc, secretAad('payments', row.id, 'credentials_id_enc')),
    accessToken: vault.decrypt(row.access_token_enc, secretAad('payments', row.id, 'access_token_enc')),
  };
}
