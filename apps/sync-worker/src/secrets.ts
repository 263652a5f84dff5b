import { readConsentSecrets, readPaymentSecrets, type Vault } from '@tenant/domain';
import type { ConsentSecretsReader, PaymentSecretsReader } from '@tenant/sync-engine';

/**
 * Decrypts a consent's credentials through the domain vault, for one Finqware call sequence. The
 * caller reads the sealed columns with the rest of the consent (no statement of its own).
 */
export function vaultSecretsReader(vault: Vault): ConsentSecretsReader {
  return (row) =>
    readConsentSecrets(vault, {
      id: row.id,
      credentialsIdEnc: row.credentials_id_enc,
      accessTokenEnc: row.access_token_enc,
    });
}

/** Decrypts a payment consent's pair through the domain vault, for one "get payment" call. */
export function vaultPaymentSecretsReader(vault: Vault): PaymentSecretsReader {
  return (row) => readPaymentSecrets(vault, row);
}
