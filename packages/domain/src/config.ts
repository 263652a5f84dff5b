import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { z } from 'zod';

/**
 * The one place that reads the environment, for every process (api, worker, sandbox, CLI).
 * Defaults make `pnpm start` work on a bare machine; production refuses the development ones.
 * A bad value stops the process with a ConfigError naming each variable and what it expects —
 * never the value itself, since some of them are secrets.
 */

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The public sandbox tenant app (docs: finqware-contract). Used only outside production. */
export const SANDBOX_TENANT_APP = {
  clientId: '5a1d8c3e-0b7f-4e2a-9d6c-3f8b1e4a7c20',
  clientSecret: 'sbx-secret-9f4e2b7c1a6d',
  clientAppKey: 'MDAxNmxvY2F0aW9uIGZpbnF3YXJlc2FuZGJveA',
} as const;

export interface VaultKey {
  /** Key id stored beside every ciphertext. */
  id: string;
  /** 32 bytes of AES-256 key material. */
  key: Buffer;
}

/**
 * DEVELOPMENT ONLY — NOT A SECRET. The vault key used when VAULT_KEYS is unset outside production,
 * so local data survives restarts. Production refuses to start without VAULT_KEYS.
 */
export const DEVELOPMENT_VAULT_KEY: VaultKey = Object.freeze({
  id: 'dev-insecure',
  key: createHash('sha256').update('tenant development vault key - NOT A SECRET').digest(),
});

export interface Config {
  nodeEnv: NodeEnv;
  logLevel: LogLevel;
  database: {
    /** Unset: the bootstrap starts an embedded PostgreSQL (see src/db/bootstrap.ts). */
    url: string | undefined;
    poolMax: number;
    /** Where the embedded PostgreSQL keeps its data; unset means `<repo root>/.data`. */
    dataDir: string | undefined;
  };
  /** Catalog JSON seeded by `pnpm db:migrate`; unset means the sandbox's catalog. */
  catalogFile: string | undefined;
  finqware: {
    baseUrl: string;
    clientId: string;
    clientSecret: string;
    clientAppKey: string;
    signingKeyFile: string | undefined;
    signingKeyId: string | undefined;
    serviceAccountEmail: string | undefined;
    timeoutMs: number;
  };
  vault: {
    /** Oldest first: the LAST key encrypts, every key decrypts. */
    keys: VaultKey[];
    /** Dedicated HMAC key for credentials_id_hash; unset means derived from the vault keys (HKDF). */
    hmacKey: Buffer | undefined;
    usingDevelopmentKey: boolean;
  };
  api: { port: number; publicUrl: string; corsOrigins: string[] };
  /** Where the browser lands after a bank redirect completes. */
  publicAppUrl: string;
  auth: {
    tokenTtlHours: number;
    /** Seconds an api process trusts a token it verified before looking it up again. */
    sessionCacheSeconds: number;
    loginMaxFailures: number;
    loginWindowMinutes: number;
  };
  sandbox: { port: number };
  sync: {
    cron: string;
    timezone: string;
    spreadSeconds: number;
    concurrency: number;
    expiryWarningDays: number;
    refreshCooldownSeconds: number;
    overlapMinutes: number;
  };
  consent: {
    /** After a revoke, delete the cached accounts/balances/transactions (true) or keep them (false). */
    revokePurge: boolean;
  };
}

export interface ConfigIssue {
  variable: string;
  expected: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `Invalid configuration:\n${issues.map((i) => `  - ${i.variable}: expected ${i.expected}`).join('\n')}`,
    );
  }
}

// ---- variable readers: each turns an optional string into a typed value or a named expectation ----

type Ctx = z.RefinementCtx;
const fail = (ctx: Ctx, expected: string) => {
  ctx.addIssue({ code: 'custom', message: expected });
  return z.NEVER;
};

const optionalString = () => z.string().optional();

const int = (def: number, min: number, max: number) =>
  optionalString().transform((v, ctx) => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) return fail(ctx, `an integer from ${min} to ${max}`);
    return n;
  });

const port = (def: number) => int(def, 1, 65_535);

const httpUrl = (def: string | undefined) =>
  optionalString().transform((v, ctx) => {
    const value = v ?? def;
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
      return value.replace(/\/+$/, '');
    } catch {
      return fail(ctx, 'an http(s) URL, e.g. http://127.0.0.1:3000');
    }
  });

const postgresUrl = () =>
  optionalString().transform((v, ctx) => {
    if (v === undefined) return undefined;
    try {
      const url = new URL(v);
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error('protocol');
      return v;
    } catch {
      return fail(
        ctx,
        'a PostgreSQL URL like postgres://user@host:5432/db (or unset for an embedded database)',
      );
    }
  });

const bool = (def: boolean) =>
  optionalString().transform((v, ctx) => {
    if (v === undefined) return def;
    if (/^(true|1|yes)$/i.test(v)) return true;
    if (/^(false|0|no)$/i.test(v)) return false;
    return fail(ctx, 'true or false');
  });

const oneOf = <const T extends readonly string[]>(values: T, def: T[number]) =>
  optionalString().transform((v, ctx): T[number] => {
    if (v === undefined) return def;
    if (!(values as readonly string[]).includes(v)) return fail(ctx, `one of ${values.join(', ')}`);
    return v as T[number];
  });

const CRON_FIELD = /^[\d*/,\-A-Za-z?LW#]+$/;
const cron = (def: string) =>
  optionalString().transform((v, ctx) => {
    const value = v ?? def;
    const fields = value.trim().split(/\s+/);
    if ((fields.length !== 5 && fields.length !== 6) || !fields.every((f) => CRON_FIELD.test(f))) {
      return fail(ctx, "a cron expression with 5 (or 6) fields, e.g. '0 */6 * * *'");
    }
    return value.trim();
  });

const timezone = (def: string) =>
  optionalString().transform((v, ctx) => {
    const value = v ?? def;
    try {
      new Intl.DateTimeFormat('en', { timeZone: value });
      return value;
    } catch {
      return fail(ctx, "an IANA time zone, e.g. 'UTC' or 'Europe/Bucharest'");
    }
  });

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const decodeKey = (text: string): Buffer | undefined => {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : undefined;
};

const vaultKeys = () =>
  optionalString().transform((v, ctx) => {
    if (v === undefined) return undefined;
    const expected =
      'comma-separated kid:key pairs, oldest first (the last one encrypts); kid = 1-32 of [A-Za-z0-9_-], ' +
      'key = 32 random bytes in base64 (e.g. `openssl rand -base64 32`), kids unique';
    const keys: VaultKey[] = [];
    for (const part of v.split(',')) {
      const [id, encoded, ...rest] = part.trim().split(':');
      const key = encoded === undefined ? undefined : decodeKey(encoded);
      if (!id || !KEY_ID.test(id) || !key || rest.length > 0 || keys.some((k) => k.id === id)) {
        return fail(ctx, expected);
      }
      keys.push({ id, key });
    }
    return keys;
  });

const hmacKey = () =>
  optionalString().transform((v, ctx) => {
    if (v === undefined) return undefined;
    const key = decodeKey(v);
    return key ?? fail(ctx, '32 random bytes in base64 (e.g. `openssl rand -base64 32`)');
  });

const filePathOf = (expected: string) =>
  optionalString().transform((v, ctx) => {
    if (v === undefined) return undefined;
    return existsSync(v) ? v : fail(ctx, expected);
  });

const origins = (def: string) =>
  optionalString().transform((v, ctx) => {
    const list = (v ?? def)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const origin of list) {
      if (origin === '*') continue;
      try {
        const url = new URL(origin);
        if (url.origin !== origin.replace(/\/+$/, '')) throw new Error('not an origin');
      } catch {
        return fail(
          ctx,
          "comma-separated origins like http://127.0.0.1:5173 (scheme://host[:port], no path), or '*'",
        );
      }
    }
    return list;
  });

const envSchema = z.object({
  NODE_ENV: oneOf(NODE_ENVS, 'development'),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  DATABASE_URL: postgresUrl(),
  DATABASE_POOL_MAX: int(10, 1, 1_000),
  TENANT_DATA_DIR: optionalString(),
  CATALOG_FILE: filePathOf(
    'the path of an existing catalog JSON file (shape of packages/finqware-sandbox/catalog.json)',
  ),
  FINQWARE_BASE_URL: httpUrl('http://127.0.0.1:3010/v1'),
  FINQWARE_CLIENT_ID: optionalString(),
  FINQWARE_CLIENT_SECRET: optionalString(),
  FINQWARE_CLIENT_APP_KEY: optionalString(),
  FINQWARE_SIGNING_KEY_FILE: filePathOf(
    'the path of an existing file (service-account JSON or PEM private key)',
  ),
  FINQWARE_SIGNING_KEY_ID: optionalString(),
  FINQWARE_SERVICE_ACCOUNT_EMAIL: optionalString(),
  FINQWARE_TIMEOUT_MS: int(15_000, 100, 600_000),
  VAULT_KEYS: vaultKeys(),
  VAULT_HMAC_KEY: hmacKey(),
  API_PORT: port(3000),
  API_PUBLIC_URL: httpUrl('http://127.0.0.1:3000'),
  PUBLIC_APP_URL: httpUrl('http://127.0.0.1:5173/connected'),
  CORS_ORIGINS: origins('http://127.0.0.1:5173,http://localhost:5173'),
  AUTH_TOKEN_TTL_HOURS: int(720, 1, 24 * 365),
  AUTH_SESSION_CACHE_SECONDS: int(5, 0, 300),
  AUTH_LOGIN_MAX_FAILURES: int(5, 1, 1_000),
  AUTH_LOGIN_WINDOW_MINUTES: int(15, 1, 24 * 60),
  SANDBOX_PORT: port(3010),
  SYNC_CRON: cron('0 */6 * * *'),
  SYNC_TIMEZONE: timezone('UTC'),
  SYNC_SPREAD_SECONDS: int(900, 0, 86_400),
  SYNC_CONCURRENCY: int(4, 1, 256),
  SYNC_EXPIRY_WARNING_DAYS: int(7, 0, 365),
  SYNC_REFRESH_COOLDOWN_SECONDS: int(300, 0, 86_400),
  SYNC_OVERLAP_MINUTES: int(60, 0, 7 * 24 * 60),
  CONSENT_REVOKE_PURGE: bool(false),
});

/** Every environment variable the config reads (the CONFIG.md table lists the same). */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape) as (keyof typeof envSchema.shape)[];

/**
 * Reads and validates the environment. Empty strings count as unset.
 * @throws ConfigError naming every bad variable at once.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env,
): Config {
  const input: Record<string, string | undefined> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name];
    input[name] = value === undefined || value.trim() === '' ? undefined : value.trim();
  }
  const parsed = envSchema.safeParse(input);
  const issues: ConfigIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ variable: String(issue.path[0]), expected: issue.message }));
  if (!parsed.success) throw new ConfigError(issues);
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  const required = (
    variable: string,
    value: string | undefined,
    fallback: string,
    expected: string,
  ): string => {
    if (value !== undefined) return value;
    if (!production) return fallback;
    issues.push({ variable, expected: `${expected} (required when NODE_ENV=production)` });
    return '';
  };
  const clientId = required(
    'FINQWARE_CLIENT_ID',
    e.FINQWARE_CLIENT_ID,
    SANDBOX_TENANT_APP.clientId,
    'the tenant app client_id',
  );
  const clientSecret = required(
    'FINQWARE_CLIENT_SECRET',
    e.FINQWARE_CLIENT_SECRET,
    SANDBOX_TENANT_APP.clientSecret,
    'the tenant app client_secret',
  );
  const clientAppKey = required(
    'FINQWARE_CLIENT_APP_KEY',
    e.FINQWARE_CLIENT_APP_KEY,
    SANDBOX_TENANT_APP.clientAppKey,
    'the tenant app client_app_key',
  );
  if (production && e.VAULT_KEYS === undefined) {
    issues.push({
      variable: 'VAULT_KEYS',
      expected: 'comma-separated kid:base64-32-byte-key pairs (required when NODE_ENV=production)',
    });
  }
  if (production && e.VAULT_KEYS?.some((k) => k.key.equals(DEVELOPMENT_VAULT_KEY.key))) {
    issues.push({ variable: 'VAULT_KEYS', expected: 'keys other than the development key in production' });
  }
  const signing = [e.FINQWARE_SIGNING_KEY_FILE, e.FINQWARE_SIGNING_KEY_ID, e.FINQWARE_SERVICE_ACCOUNT_EMAIL];
  if (e.FINQWARE_SIGNING_KEY_FILE === undefined && signing.some((v) => v !== undefined)) {
    issues.push({
      variable: 'FINQWARE_SIGNING_KEY_FILE',
      expected: 'a key file whenever FINQWARE_SIGNING_KEY_ID or FINQWARE_SERVICE_ACCOUNT_EMAIL is set',
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);

  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX, dataDir: e.TENANT_DATA_DIR },
    catalogFile: e.CATALOG_FILE,
    finqware: {
      baseUrl: e.FINQWARE_BASE_URL as string,
      clientId,
      clientSecret,
      clientAppKey,
      signingKeyFile: e.FINQWARE_SIGNING_KEY_FILE,
      signingKeyId: e.FINQWARE_SIGNING_KEY_ID,
      serviceAccountEmail: e.FINQWARE_SERVICE_ACCOUNT_EMAIL,
      timeoutMs: e.FINQWARE_TIMEOUT_MS,
    },
    vault: {
      keys: e.VAULT_KEYS ?? [DEVELOPMENT_VAULT_KEY],
      hmacKey: e.VAULT_HMAC_KEY,
      usingDevelopmentKey: e.VAULT_KEYS === undefined,
    },
    api: { port: e.API_PORT, publicUrl: e.API_PUBLIC_URL as string, corsOrigins: e.CORS_ORIGINS },
    publicAppUrl: e.PUBLIC_APP_URL as string,
    auth: {
      tokenTtlHours: e.AUTH_TOKEN_TTL_HOURS,
      sessionCacheSeconds: e.AUTH_SESSION_CACHE_SECONDS,
      loginMaxFailures: e.AUTH_LOGIN_MAX_FAILURES,
      loginWindowMinutes: e.AUTH_LOGIN_WINDOW_MINUTES,
    },
    sandbox: { port: e.SANDBOX_PORT },
    sync: {
      cron: e.SYNC_CRON,
      timezone: e.SYNC_TIMEZONE,
      spreadSeconds: e.SYNC_SPREAD_SECONDS,
      concurrency: e.SYNC_CONCURRENCY,
      expiryWarningDays: e.SYNC_EXPIRY_WARNING_DAYS,
      refreshCooldownSeconds: e.SYNC_REFRESH_COOLDOWN_SECONDS,
      overlapMinutes: e.SYNC_OVERLAP_MINUTES,
    },
    consent: { revokePurge: e.CONSENT_REVOKE_PURGE },
  };
}
