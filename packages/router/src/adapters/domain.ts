import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type Config,
  openSessionNonce,
  openSessionReturnToken,
  readConsentSecrets,
  sealPaymentSecrets,
  sealSessionNonce,
  sealSessionReturnToken,
  storeConsent,
  type Vault,
} from '@tenant/domain';
import { findConsentSecrets } from '../modules/consents/consents.repository';
import type { RouterConfig, VaultPort } from '../ports';

/** The router's vault port over @tenant/domain's consent-secrets service. */
export function domainVault(vault: Vault): VaultPort {
  return {
    sealSessionNonce: (sessionId, nonce) => sealSessionNonce(vault, sessionId, nonce),
    openSessionNonce(sessionId, sealed) {
      const nonce = openSessionNonce(vault, { id: sessionId, nonceEnc: sealed });
      if (nonce === undefined) throw new Error('session has no nonce');
      return nonce;
    },
    sealReturnToken: (sessionId, tempToken) => sealSessionReturnToken(vault, sessionId, tempToken),
    openReturnToken: (sessionId, sealed) => openSessionReturnToken(vault, sessionId, sealed),
    async storeConsent(em: EntityManager, consent) {
      const row = await storeConsent(em, vault, {
        user: consent.userId,
        skill: consent.skillId,
        credentialsId: consent.credentialsId,
        accessToken: consent.accessToken,
        consentExp: consent.consentExp,
        maxDataRetention: consent.maxDataRetention,
      });
      return { consentId: row.id };
    },
    sealPaymentSecrets: (paymentId, secrets) => sealPaymentSecrets(vault, paymentId, secrets),
    async readConsentSecrets(em: EntityManager, consentId: string) {
      const row = await findConsentSecrets(em, consentId);
      if (!row) throw new Error('consent row vanished');
      return readConsentSecrets(vault, {
        id: row.id,
        credentialsIdEnc: row.credentials_id_enc,
        accessTokenEnc: row.access_token_enc,
      });
    },
  };
}

/** The router's settings, read from the process config (@tenant/domain loadConfig). */
export function routerConfigFrom(
  config: Pick<Config, 'api' | 'publicAppUrl' | 'auth' | 'consent' | 'connect' | 'finqware'>,
): RouterConfig {
  return {
    apiPublicUrl: config.api.publicUrl,
    connectReturnUrl: config.publicAppUrl,
    authTokenTtlSeconds: config.auth.tokenTtlHours * 3600,
    sessionCacheSeconds: config.auth.sessionCacheSeconds,
    authLimits: {
      loginFailuresPerEmail: {
        max: config.auth.loginMaxFailures,
        windowSeconds: config.auth.loginWindowMinutes * 60,
      },
      loginsPerAddress: {
        max: config.auth.loginMaxPerAddress,
        windowSeconds: config.auth.loginWindowMinutes * 60,
      },
      registrationsPerAddress: {
        max: config.auth.registerMaxPerAddress,
        windowSeconds: config.auth.registerWindowMinutes * 60,
      },
    },
    syncRefreshCooldownSeconds: config.consent.refreshCooldownSeconds,
    consentRevokePurge: config.consent.revokePurge,
    connectSessionTtlSeconds: 30 * 60,
    // Two Finqware calls (session, payment_intent) at the configured timeout each, and a margin.
    paymentLeaseSeconds: Math.ceil((2 * config.finqware.timeoutMs) / 1000) + 15,
    connectLeaseSeconds: Math.ceil((2 * config.finqware.timeoutMs) / 1000) + 15,
    connectLimits: config.connect,
  };
}
