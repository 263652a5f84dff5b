import type { EntityManager } from '@mikro-orm/postgresql';
import type { SyncEvent } from '@tenant/domain';

/**
 * What the router needs from the outside world, as narrow interfaces. The api (and the test
 * harness) build them from @tenant/domain, pg-boss and @tenant/finqware-client, so the router's
 * logic reads against a small surface and its tests use the real implementations.
 */

/** The subset of pino's API the router logs through. */
export type Logger = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
};

/** The Finqware calls the router makes (a structural subset of FinqwareClient). */
export type FinqwarePort = {
  sessions: {
    create(input: {
      tenantUserId: string;
      skill: string;
    }): Promise<{ sessionId: string; nonce: string; status: string }>;
    submitStep(input: {
      sessionId: string;
      nonce: string;
      skill: string;
      step: string;
      data: Record<string, unknown>;
    }): Promise<{
      status: string;
      stepId?: string;
      nonce?: string;
      tempToken?: string;
      redirect?: { url: string; method: string; headers: Record<string, string> };
      data: Record<string, unknown>;
    }>;
  };
  accounts: {
    /**
     * Read once after a token exchange, with the session's tenant_user_id: Finqware answers only
     * for a consent of that user, which is how we know whose consent a token was.
     */
    list(auth: { credentialsId: string; accessToken: string; tenantUserId: string }): Promise<unknown[]>;
  };
  tokens: {
    exchange(input: { tempToken: string }): Promise<{
      credentialsId: string;
      accessToken: string;
      consentExp?: string;
      maxDataRetention?: string;
    }>;
  };
  consents: {
    delete(input: {
      credentialsId: string;
      accessToken: string;
      pcdDataRetention?: number;
    }): Promise<unknown>;
  };
  payments: {
    /** "Get payment": read once by the bank callback, to check which payment a token stands for. */
    get(auth: { credentialsId: string; accessToken: string }): Promise<{ status: string; raw: unknown }>;
  };
};

/** The consent written by a completed connect flow (secrets go only through the vault). */
export type NewConsent = {
  userId: string;
  skillId: string;
  credentialsId: string;
  accessToken: string;
  consentExp: Date | null;
  maxDataRetention: Date | null;
};

/**
 * The vault operations the router uses. Every `*_enc` column is read and written here and
 * nowhere else in the router.
 */
export type VaultPort = {
  sealSessionNonce(sessionId: string, nonce: string): string;
  openSessionNonce(sessionId: string, sealed: string): string;
  /** The bank's temp_token, sealed for sessions.return_token_enc of `sessionId`. */
  sealReturnToken(sessionId: string, tempToken: string): string;
  openReturnToken(sessionId: string, sealed: string): string;
  /** Inserts (or re-activates, for the same credentials) a user_skills row inside `em`'s transaction. */
  storeConsent(em: EntityManager, consent: NewConsent): Promise<{ consentId: string }>;
  readConsentSecrets(
    em: EntityManager,
    consentId: string,
  ): Promise<{ credentialsId: string; accessToken: string }>;
  /** The payment consent's pair, sealed for payment row `paymentId` (the columns of payments). */
  sealPaymentSecrets(
    paymentId: string,
    secrets: { credentialsId: string; accessToken: string },
  ): { credentials_id_enc: string; access_token_enc: string; vault_key_id: string };
};

/**
 * Enqueues a consent sync. `em`, when given, is a transactional EntityManager: the job row is
 * written on that transaction's connection, so it commits or rolls back with the caller's writes.
 * Returns the job id, or null when the queue's singleton/throttle policy dropped the job.
 */
export type SyncJobsPort = {
  enqueueConsentSync(
    input: { consentId: string; reason: 'initial' | 'manual' },
    em?: EntityManager,
  ): Promise<string | null>;
  /** Enqueues the first status poll of an authorised payment, on `em`'s transaction. */
  enqueuePaymentStatus(paymentId: string, em: EntityManager): Promise<string | null>;
};

export type RouterConfig = {
  /** Public base URL of the api; `/connect/callback` is appended for redirect steps. */
  apiPublicUrl: string;
  /** Where /connect/callback sends the browser after a redirect step (front-end route). */
  connectReturnUrl: string;
  authTokenTtlSeconds: number;
  /**
   * How long an api process trusts a bearer token it verified, without asking the database again
   * (0: every request looks its token up). A token revoked through another instance keeps
   * working on this one for up to this long.
   */
  sessionCacheSeconds: number;
  /** The sign-in edge's rate limits (services/sign-in-limits.ts), counted in PostgreSQL. */
  authLimits: {
    /** Passwords verified as wrong per e-mail (AUTH_LOGIN_MAX_FAILURES per AUTH_LOGIN_WINDOW_MINUTES). */
    loginFailuresPerEmail: { max: number; windowSeconds: number };
    /** Sign-in attempts per client address, right or wrong (AUTH_LOGIN_MAX_PER_ADDRESS). */
    loginsPerAddress: { max: number; windowSeconds: number };
    /** Registration attempts per client address (AUTH_REGISTER_MAX_PER_ADDRESS per AUTH_REGISTER_WINDOW_MINUTES). */
    registrationsPerAddress: { max: number; windowSeconds: number };
  };
  syncRefreshCooldownSeconds: number;
  /** When true, revoking a consent deletes its cached accounts, balances and transactions. */
  consentRevokePurge: boolean;
  /** Lifetime of a connect session (Finqware nonces live 30 minutes). */
  connectSessionTtlSeconds: number;
  /**
   * How long one payments.initiate call may hold a payment's initiation (its two Finqware calls)
   * before a retry of the same idempotency key may take over: above twice the Finqware timeout.
   */
  paymentLeaseSeconds: number;
  /**
   * How long one call may hold a connect session busy while it talks to Finqware (a step, the
   * redirect step, the token exchange and its check): above twice the Finqware timeout.
   */
  connectLeaseSeconds: number;
  /** Per-user limits of the connect flow (CONNECT_* variables). */
  connectLimits: { maxOpenSessions: number; startsPerHour: number; maxCredentialFailures: number };
};

export const defaultRouterConfig: RouterConfig = {
  apiPublicUrl: 'http://127.0.0.1:3000',
  connectReturnUrl: 'http://127.0.0.1:5173/connect/return',
  authTokenTtlSeconds: 30 * 24 * 3600,
  sessionCacheSeconds: 5,
  authLimits: {
    loginFailuresPerEmail: { max: 5, windowSeconds: 15 * 60 },
    loginsPerAddress: { max: 50, windowSeconds: 15 * 60 },
    registrationsPerAddress: { max: 10, windowSeconds: 60 * 60 },
  },
  syncRefreshCooldownSeconds: 60,
  consentRevokePurge: false,
  connectSessionTtlSeconds: 30 * 60,
  paymentLeaseSeconds: 45,
  connectLeaseSeconds: 45,
  connectLimits: { maxOpenSessions: 5, startsPerHour: 10, maxCredentialFailures: 5 },
};

/**
 * Live sync progress of one user, as the worker published it (the api feeds it from PostgreSQL
 * LISTEN; tests from a hub in memory). Ends when `signal` aborts.
 */
export type SyncEventsPort = {
  subscribe(userId: string, signal: AbortSignal): AsyncIterable<SyncEvent>;
};
