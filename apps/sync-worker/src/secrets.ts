import { readConsentSecrets, readPaymentSecrets, type Vault } from '@tenant/domain';
import { type ConsentSecretsReader, type PaymentSecretsReader, runSql } from '@tenant/sync-engine';

/** Decrypts a consent's credentials through the domain vault, for one Finqware call sequence. */
export function vaultSecretsReader(vault: Vault): ConsentSecretsReader {
  return async (em, consentId) => {
    const [row] = await runSql<{ id: string; credentialsIdEnc: string; accessTokenEnc: string }>(
      em,
      `SELECT id, credentials_id_enc AS "credentialsIdEnc", access_token_enc AS "accessTokenEnc"
         FROM user_skills WHERE id = ?`,
      [consentId],
    );
    if (!row) throw new Error(`consent ${consentId} not found`);
    return readConsentSecrets(vault, row);
  };
}

/** Decrypts a payment consent's pair through the domain vault, for one "get payment" call. */
export function vaultPaymentSecretsReader(vault: Vault): PaymentSecretsReader {
  return (row) => readPaymentSecrets(vault, row);
}
