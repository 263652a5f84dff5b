import { db, readConsentSecrets, readPaymentSecrets, type Vault } from '@tenant/domain';
import type { ConsentSecretsReader, PaymentSecretsReader } from '@tenant/sync-engine';

/** Decrypts a consent's credentials through the domain vault, for one Finqware call sequence. */
export function vaultSecretsReader(vault: Vault): ConsentSecretsReader {
  return async (em, consentId) => {
    const row = await db(em)
      .selectFrom('user_skills')
      .select(['id', 'credentials_id_enc as credentialsIdEnc', 'access_token_enc as accessTokenEnc'])
      .where('id', '=', consentId)
      .executeTakeFirst();
    if (!row) throw new Error(`consent ${consentId} not found`);
    return readConsentSecrets(vault, row);
  };
}

/** Decrypts a payment consent's pair through the domain vault, for one "get payment" call. */
export function vaultPaymentSecretsReader(vault: Vault): PaymentSecretsReader {
  return (row) => readPaymentSecrets(vault, row);
}
