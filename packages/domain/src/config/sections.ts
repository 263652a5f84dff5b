import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { dataDir, defaultCatalogPath } from '../paths';
import { readSigningKey } from './signing-key';
import { DEVELOPMENT_VAULT_KEY, VARIABLES, type VariableName } from './variables';

/**
 * The configuration in sections, one per concern: a process loads only the sections it uses
 * (load.ts PROCESSES), so the migrate job never asks for Finqware secrets. Each section is a zod
 * schema from its variables' raw strings to the typed values the code reads, with the rules that
 * depend on NODE_ENV: development defaults outside production, refusals in it.
 */

/** The public sandbox tenant app (docs: finqware-contract). Used only outside production. */
export const SANDBOX_TENANT_APP = {
  clientId: '5a1d8c3e-0b7f-4e2a-9d6c-3f8b1e4a7c20',
  clientSecret: 'sbx-secret-9f4e2b7c1a6d',
  clientAppKey: 'MDAxNmxvY2F0aW9uIGZpbnF3YXJlc2FuZGJveA',
} as const;

export const SANDBOX_BASE_URL = 'http://127.0.0.1:3010/v1';
export const DEVELOPMENT_PUBLIC_APP_URL = 'http://127.0.0.1:5173/connected';

/** True for a URL whose host is this machine: what a production process must never be sent to. */
export function pointsAtThisMachine(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127\./.test(host) ||
    host === '::1' ||
    host === '0.0.0.0' ||
    host === '::'
  );
}

interface Rules {
  production: boolean;
  /** Records that `variable` is wrong; the value built alongside is then never used. */
  issue(variable: VariableName, expected: string): void;
}

type Values<N extends VariableName> = { [K in N]: z.output<(typeof VARIABLES)[K]> };

function section<const N extends readonly VariableName[], O>(
  names: N,
  build: (values: Values<N[number] | 'NODE_ENV'>, rules: Rules) => O,
) {
  const shape = Object.fromEntries(
    (['NODE_ENV', ...names] as VariableName[]).map((name) => [name, VARIABLES[name]]),
  ) as Pick<typeof VARIABLES, N[number] | 'NODE_ENV'>;
  return z.object(shape).transform((values, ctx) =>
    build(values as Values<N[number] | 'NODE_ENV'>, {
      production: (values as { NODE_ENV: string }).NODE_ENV === 'production',
      issue: (variable, expected) => ctx.addIssue({ code: 'custom', path: [variable], message: expected }),
    }),
  );
}

const REQUIRED = '(required when NODE_ENV=production)';

/**
 * A URL variable: its value, else (outside production) the development default. Production
 * requires it and refuses this machine, where a development default would point.
 */
function publicUrl(
  rules: Rules,
  variable: VariableName,
  value: string | undefined,
  developmentDefault: string,
  what: string,
): string {
  if (!rules.production) return value ?? developmentDefault;
  if (value === undefined) rules.issue(variable, `${what} ${REQUIRED}`);
  else if (pointsAtThisMachine(value))
    rules.issue(variable, `${what}, not this machine (localhost/127.0.0.1) when NODE_ENV=production`);
  return value ?? '';
}

/**
 * SHA-256 of the sandbox catalog's JSON (parsed and written back compactly), so a copy of it is
 * recognised where the sandbox is not installed (a deployed image). test/config.test.ts holds it
 * equal to packages/finqware-sandbox/catalog.json.
 */
export const SANDBOX_CATALOG_SHA256 = '0a15be37b41067d3dfb854628235853bb814d9e4ce9248b96cf619437e4ad9b0';

/** A catalog file's fingerprint (see SANDBOX_CATALOG_SHA256); undefined when it is not JSON. */
export function catalogFingerprint(text: string): string | undefined {
  try {
    return createHash('sha256')
      .update(JSON.stringify(JSON.parse(text)))
      .digest('hex');
  } catch {
    return undefined;
  }
}

/** The sandbox catalog, whatever its path: a production database must be seeded with a real one. */
function isSandboxCatalog(file: string): boolean {
  try {
    return catalogFingerprint(readFileSync(file, 'utf8')) === SANDBOX_CATALOG_SHA256;
  } catch {
    return false; // unreadable: the seed command says so when it reads it
  }
}

const base = section(['LOG_LEVEL'], (e) => ({ nodeEnv: e.NODE_ENV, logLevel: e.LOG_LEVEL }));

export const SECTIONS = {
  /** A process's database: always a URL (only local-stack and the tests start an embedded one). */
  database: section(['DATABASE_URL', 'DATABASE_POOL_MAX', 'DATABASE_PREPARED_STATEMENTS'], (e, rules) => {
    if (e.DATABASE_URL === undefined) {
      rules.issue(
        'DATABASE_URL',
        'a PostgreSQL URL like postgres://user@host:5432/db (`pnpm start` runs an embedded PostgreSQL for you)',
      );
    }
    return {
      database: {
        url: e.DATABASE_URL ?? '',
        poolMax: e.DATABASE_POOL_MAX,
        preparedStatements: e.DATABASE_PREPARED_STATEMENTS,
      },
    };
  }),

  catalog: section(['CATALOG_FILE'], (e, rules) => {
    let file = e.CATALOG_FILE ?? defaultCatalogPath();
    if (rules.production && e.CATALOG_FILE === undefined) {
      rules.issue('CATALOG_FILE', `the path of your catalog JSON file ${REQUIRED}`);
      file = '';
    } else if (rules.production && isSandboxCatalog(file)) {
      rules.issue('CATALOG_FILE', "a catalog of your own, not the sandbox's, when NODE_ENV=production");
    }
    return { catalog: { file } };
  }),

  finqware: section(
    [
      'FINQWARE_BASE_URL',
      'FINQWARE_CLIENT_ID',
      'FINQWARE_CLIENT_SECRET',
      'FINQWARE_CLIENT_APP_KEY',
      'FINQWARE_SIGNING_KEY_FILE',
      'FINQWARE_SIGNING_KEY_ID',
      'FINQWARE_SERVICE_ACCOUNT_EMAIL',
      'FINQWARE_TIMEOUT_MS',
    ],
    (e, rules) => {
      const credential = (
        variable: VariableName,
        value: string | undefined,
        fallback: string,
        what: string,
      ) => {
        if (value !== undefined || !rules.production) return value ?? fallback;
        rules.issue(variable, `${what} ${REQUIRED}`);
        return '';
      };
      let signingKey: ReturnType<typeof readSigningKey> | undefined;
      if (e.FINQWARE_SIGNING_KEY_FILE !== undefined) {
        signingKey = readSigningKey(e.FINQWARE_SIGNING_KEY_FILE, {
          keyId: e.FINQWARE_SIGNING_KEY_ID,
          serviceAccountEmail: e.FINQWARE_SERVICE_ACCOUNT_EMAIL,
        });
        if ('problem' in signingKey) {
          rules.issue(signingKey.problem.variable as VariableName, signingKey.problem.expected);
        }
      } else if (e.FINQWARE_SIGNING_KEY_ID !== undefined || e.FINQWARE_SERVICE_ACCOUNT_EMAIL !== undefined) {
        rules.issue(
          'FINQWARE_SIGNING_KEY_FILE',
          'a key file whenever FINQWARE_SIGNING_KEY_ID or FINQWARE_SERVICE_ACCOUNT_EMAIL is set',
        );
      }
      return {
        finqware: {
          baseUrl: publicUrl(
            rules,
            'FINQWARE_BASE_URL',
            e.FINQWARE_BASE_URL,
            SANDBOX_BASE_URL,
            'the Finqware API URL',
          ),
          clientId: credential(
            'FINQWARE_CLIENT_ID',
            e.FINQWARE_CLIENT_ID,
            SANDBOX_TENANT_APP.clientId,
            'the tenant app client_id',
          ),
          clientSecret: credential(
            'FINQWARE_CLIENT_SECRET',
            e.FINQWARE_CLIENT_SECRET,
            SANDBOX_TENANT_APP.clientSecret,
            'the tenant app client_secret',
          ),
          clientAppKey: credential(
            'FINQWARE_CLIENT_APP_KEY',
            e.FINQWARE_CLIENT_APP_KEY,
            SANDBOX_TENANT_APP.clientAppKey,
            'the tenant app client_app_key',
          ),
          /** Unset: unsigned calls. */
          signingKey: signingKey && 'key' in signingKey ? signingKey.key : undefined,
          timeoutMs: e.FINQWARE_TIMEOUT_MS,
        },
      };
    },
  ),

  vault: section(['VAULT_KEYS', 'VAULT_HMAC_KEY'], (e, rules) => {
    if (rules.production && e.VAULT_KEYS === undefined) {
      rules.issue('VAULT_KEYS', `comma-separated kid:base64-32-byte-key pairs ${REQUIRED}`);
    }
    if (rules.production && e.VAULT_KEYS?.some((k) => k.key.equals(DEVELOPMENT_VAULT_KEY.key))) {
      rules.issue('VAULT_KEYS', 'keys other than the development key in production');
    }
    return {
      vault: {
        /** Oldest first: the LAST key encrypts, every key decrypts. */
        keys: e.VAULT_KEYS ?? [DEVELOPMENT_VAULT_KEY],
        /** Dedicated HMAC key for credentials_id_hash; unset means derived from the vault keys (HKDF). */
        hmacKey: e.VAULT_HMAC_KEY,
        usingDevelopmentKey: e.VAULT_KEYS === undefined,
      },
    };
  }),

  /**
   * Where the api listens and the URLs of the connect flow: the api's, and `pnpm start`'s too (it
   * waits for the api there and builds the web app against it).
   */
  apiUrls: section(['API_HOST', 'API_PORT', 'API_PUBLIC_URL', 'PUBLIC_APP_URL'], (e, rules) => {
    // Outside production the bank redirect comes back to this very api, whatever its port.
    const ownHost = e.API_HOST === '0.0.0.0' || e.API_HOST === '::' ? '127.0.0.1' : e.API_HOST;
    const ownUrl = `http://${ownHost.includes(':') ? `[${ownHost}]` : ownHost}:${e.API_PORT}`;
    return {
      api: {
        host: e.API_HOST,
        port: e.API_PORT,
        publicUrl: publicUrl(rules, 'API_PUBLIC_URL', e.API_PUBLIC_URL, ownUrl, "the api's public URL"),
      },
      /** Where the browser lands after a bank redirect completes. */
      publicAppUrl: publicUrl(
        rules,
        'PUBLIC_APP_URL',
        e.PUBLIC_APP_URL,
        DEVELOPMENT_PUBLIC_APP_URL,
        "the front-end's URL",
      ),
    };
  }),

  /** The rest of the api process: browsers it serves, its admin listener, auth and consent settings. */
  api: section(
    [
      'ADMIN_HOST',
      'ADMIN_PORT',
      'CORS_ORIGINS',
      'AUTH_TOKEN_TTL_HOURS',
      'AUTH_SESSION_CACHE_SECONDS',
      'AUTH_LOGIN_MAX_FAILURES',
      'AUTH_LOGIN_WINDOW_MINUTES',
      'AUTH_LOGIN_MAX_PER_ADDRESS',
      'AUTH_REGISTER_MAX_PER_ADDRESS',
      'AUTH_REGISTER_WINDOW_MINUTES',
      'API_TRUSTED_PROXIES',
      'SYNC_REFRESH_COOLDOWN_SECONDS',
      'CONSENT_REVOKE_PURGE',
      'CONNECT_MAX_OPEN_SESSIONS',
      'CONNECT_STARTS_PER_HOUR',
      'CONNECT_MAX_CREDENTIAL_FAILURES',
    ],
    (e) => ({
      api: {
        corsOrigins: e.CORS_ORIGINS,
        /** Peers whose X-Forwarded-For is believed when telling the client's address (empty: none). */
        trustedProxies: e.API_TRUSTED_PROXIES,
      },
      admin: { host: e.ADMIN_HOST, port: e.ADMIN_PORT },
      auth: {
        tokenTtlHours: e.AUTH_TOKEN_TTL_HOURS,
        /** Seconds an api process trusts a token it verified before looking it up again. */
        sessionCacheSeconds: e.AUTH_SESSION_CACHE_SECONDS,
        loginMaxFailures: e.AUTH_LOGIN_MAX_FAILURES,
        loginWindowMinutes: e.AUTH_LOGIN_WINDOW_MINUTES,
        loginMaxPerAddress: e.AUTH_LOGIN_MAX_PER_ADDRESS,
        registerMaxPerAddress: e.AUTH_REGISTER_MAX_PER_ADDRESS,
        registerWindowMinutes: e.AUTH_REGISTER_WINDOW_MINUTES,
      },
      consent: {
        refreshCooldownSeconds: e.SYNC_REFRESH_COOLDOWN_SECONDS,
        /** After a revoke, delete the cached accounts/balances/transactions (true) or keep them (false). */
        revokePurge: e.CONSENT_REVOKE_PURGE,
      },
      /** Per-user limits of the connect flow (Finqware sessions cost us, and bank logins lock people out). */
      connect: {
        maxOpenSessions: e.CONNECT_MAX_OPEN_SESSIONS,
        startsPerHour: e.CONNECT_STARTS_PER_HOUR,
        maxCredentialFailures: e.CONNECT_MAX_CREDENTIAL_FAILURES,
      },
    }),
  ),

  /** The sync worker's schedule and limits (the worker, and its CLI's fan-out). */
  sync: section(
    [
      'SYNC_CRON',
      'SYNC_TIMEZONE',
      'SYNC_SPREAD_SECONDS',
      'SYNC_CONCURRENCY',
      'SYNC_FETCH_BATCH',
      'SYNC_EXPIRY_WARNING_DAYS',
      'SYNC_OVERLAP_MINUTES',
    ],
    (e) => ({
      sync: {
        cron: e.SYNC_CRON,
        timezone: e.SYNC_TIMEZONE,
        spreadSeconds: e.SYNC_SPREAD_SECONDS,
        concurrency: e.SYNC_CONCURRENCY,
        fetchBatch: e.SYNC_FETCH_BATCH,
        expiryWarningDays: e.SYNC_EXPIRY_WARNING_DAYS,
        overlapMinutes: e.SYNC_OVERLAP_MINUTES,
      },
    }),
  ),

  /** The sync worker's admin listener. */
  workerAdmin: section(['ADMIN_HOST', 'WORKER_ADMIN_PORT'], (e) => ({
    workerAdmin: { host: e.ADMIN_HOST, port: e.WORKER_ADMIN_PORT },
  })),

  /**
   * `pnpm start` on one machine: an embedded PostgreSQL unless DATABASE_URL, the sandbox unless
   * FINQWARE_BASE_URL, and the admin ports of what it starts (for the banner).
   */
  local: section(
    [
      'DATABASE_URL',
      'TENANT_DATA_DIR',
      'SANDBOX_PORT',
      'FINQWARE_BASE_URL',
      'ADMIN_HOST',
      'ADMIN_PORT',
      'WORKER_ADMIN_PORT',
    ],
    (e) => ({
      local: {
        databaseUrl: e.DATABASE_URL,
        dataDir: dataDir(e.TENANT_DATA_DIR),
        sandboxPort: e.SANDBOX_PORT,
        finqwareBaseUrl: e.FINQWARE_BASE_URL,
        adminHost: e.ADMIN_HOST,
        adminPort: e.ADMIN_PORT,
        workerAdminPort: e.WORKER_ADMIN_PORT,
      },
    }),
  ),
};

export const BASE_SECTION = base;
export type SectionName = keyof typeof SECTIONS;
