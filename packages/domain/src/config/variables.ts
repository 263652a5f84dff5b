import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Every environment variable Tenant reads, each a zod schema of its raw string with its
 * documentation beside it: the README's configuration table is rendered from these (docs.ts), and a
 * test fails when the two differ. Defaults that depend on the environment (production refuses
 * development defaults, API_PUBLIC_URL follows API_HOST and API_PORT) are applied by the sections
 * (sections.ts); the ones that never vary are `.default()`s here.
 */

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What the README's table says of one variable. */
export interface VariableDoc {
  /** The default as the table shows it; omitted: no default (unset means something, said in `meaning`). */
  default?: string;
  meaning: string;
  /** A development default that production refuses (the table marks it †). */
  developmentOnly?: boolean;
}

/** The documentation of each variable's schema (a zod registry: the docs live on the schemas). */
export const variableDocs = z.registry<VariableDoc>();

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

// ---- value schemas: each turns the raw string into a typed value or says what it expects ----

const integer = (min: number, max: number) => {
  const error = `an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, { error })
    .transform(Number)
    .pipe(z.number().min(min, { error }).max(max, { error }));
};

const port = () => integer(1, 65_535);
/** 0 lets the system pick a free port (tests), which the process then logs. */
const adminPort = () => integer(0, 65_535);

const httpUrl = () =>
  z
    .url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. http://127.0.0.1:3000' })
    .transform((value) => value.replace(/\/+$/, ''));

const postgresUrl = () =>
  z.url({
    protocol: /^postgres(ql)?$/,
    error: 'a PostgreSQL URL like postgres://user@host:5432/db',
  });

const host = () =>
  z
    .string()
    .regex(/^[A-Za-z0-9.:_-]+$/, { error: 'an interface address or host name, e.g. 127.0.0.1 or 0.0.0.0' });

const existingFile = (error: string) => z.string().refine((path) => existsSync(path), { error });

const CRON_FIELD = /^[\d*/,\-A-Za-z?LW#]+$/;
const cron = () =>
  z
    .string()
    .transform((value) => value.trim())
    .refine(
      (value) => {
        const fields = value.split(/\s+/);
        return (fields.length === 5 || fields.length === 6) && fields.every((f) => CRON_FIELD.test(f));
      },
      { error: "a cron expression with 5 (or 6) fields, e.g. '0 */6 * * *'" },
    );

const timezone = () =>
  z.string().refine(
    (value) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: value });
        return true;
      } catch {
        return false;
      }
    },
    { error: "an IANA time zone, e.g. 'UTC' or 'Europe/Bucharest'" },
  );

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const decodeKey = (text: string): Buffer | undefined => {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : undefined;
};
const KEY_EXPECTED = '32 random bytes in base64 (e.g. `openssl rand -base64 32`)';

const vaultKeys = () =>
  z.string().transform((value, ctx): VaultKey[] => {
    const keys: VaultKey[] = [];
    for (const part of value.split(',')) {
      const [id, encoded, ...rest] = part.trim().split(':');
      const key = encoded === undefined ? undefined : decodeKey(encoded);
      if (!id || !KEY_ID.test(id) || !key || rest.length > 0 || keys.some((k) => k.id === id)) {
        ctx.addIssue({
          code: 'custom',
          message:
            'comma-separated kid:key pairs, oldest first (the last one encrypts); kid = 1-32 of [A-Za-z0-9_-], ' +
            `key = ${KEY_EXPECTED}, kids unique`,
        });
        return z.NEVER;
      }
      keys.push({ id, key });
    }
    return keys;
  });

const hmacKey = () =>
  z.string().transform((value, ctx) => {
    const key = decodeKey(value);
    if (key) return key;
    ctx.addIssue({ code: 'custom', message: KEY_EXPECTED });
    return z.NEVER;
  });

const origins = () =>
  z.string().transform((value, ctx) => {
    const list = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const origin of list) {
      if (origin === '*') continue;
      if (!URL.canParse(origin) || new URL(origin).origin !== origin.replace(/\/+$/, '')) {
        ctx.addIssue({
          code: 'custom',
          message:
            "comma-separated origins like http://127.0.0.1:5173 (scheme://host[:port], no path), or '*'",
        });
        return z.NEVER;
      }
    }
    return list;
  });

/** One address or block whose X-Forwarded-For the api believes. */
export interface TrustedProxy {
  address: string;
  /** Prefix length: 32 (IPv4) or 128 (IPv6) for a single address. */
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

const proxies = () =>
  z.string().transform((value, ctx): TrustedProxy[] => {
    const list: TrustedProxy[] = [];
    for (const entry of value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [address = '', prefixText, ...rest] = entry.split('/');
      const version = isIP(address);
      const bits = version === 6 ? 128 : 32;
      const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
      if (version === 0 || rest.length > 0 || prefix < 0 || prefix > bits) {
        ctx.addIssue({
          code: 'custom',
          message: 'comma-separated IP addresses or CIDR blocks, e.g. 10.0.0.0/8,fd00::/8',
        });
        return z.NEVER;
      }
      list.push({ address, prefix, family: version === 6 ? 'ipv6' : 'ipv4' });
    }
    return list;
  });

const doc = <T extends z.ZodType>(schema: T, meta: VariableDoc): T => {
  variableDocs.add(schema, meta);
  return schema;
};

/** The variables, in the order the README lists them. */
export const VARIABLES = {
  NODE_ENV: doc(z.enum(NODE_ENVS, { error: `one of ${NODE_ENVS.join(', ')}` }).default('development'), {
    default: '`development`',
    meaning:
      '`development`, `test` or `production`. Production refuses every development default (marked †) and every URL or file that points at the sandbox or this machine.',
  }),
  LOG_LEVEL: doc(z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }).default('info'), {
    default: '`info`',
    meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.',
  }),
  DATABASE_URL: doc(postgresUrl().optional(), {
    meaning:
      'PostgreSQL URL. Required by every process; only `pnpm start` (and the tests) start an embedded PostgreSQL when it is unset, with its data in `TENANT_DATA_DIR/pg`.',
  }),
  DATABASE_POOL_MAX: doc(integer(1, 1_000).default(10), {
    default: '`10`',
    meaning: "Maximum connections of a process's database pool (1–1000).",
  }),
  DATABASE_PREPARED_STATEMENTS: doc(z.stringbool({ error: 'true or false' }).default(true), {
    default: '`true`',
    meaning:
      "`true`: the statements a process runs most (a page of transactions, a sync's statements) are prepared by name on each connection, parsed once instead of on every call. Set `false` behind a pooler in transaction mode that does not keep prepared statements (PgBouncer before 1.21, or `max_prepared_statements = 0`).",
  }),
  TENANT_DATA_DIR: doc(z.string().optional(), {
    default: '`<repo root>/.data`',
    meaning:
      'Local state of `pnpm start`: the embedded PostgreSQL cluster (`pg/`) and the sandbox state, kept across runs. Must be reachable by the `postgres` OS user when run as root.',
  }),
  CATALOG_FILE: doc(
    existingFile(
      'the path of an existing catalog JSON file (shape of packages/finqware-sandbox/catalog.json)',
    ).optional(),
    {
      default: 'the sandbox catalog †',
      meaning:
        'Servicers and skills the `seed-catalog` command (and `pnpm start`) seeds, same shape as `packages/finqware-sandbox/catalog.json`.',
      developmentOnly: true,
    },
  ),
  FINQWARE_BASE_URL: doc(httpUrl().optional(), {
    default: '`http://127.0.0.1:3010/v1` †',
    meaning: 'Finqware API base URL (`…/v1`, or `…/v1s` with a signing key); the local sandbox by default.',
    developmentOnly: true,
  }),
  FINQWARE_CLIENT_ID: doc(z.string().optional(), {
    default: 'sandbox tenant app †',
    meaning: 'Tenant app `client_id`.',
    developmentOnly: true,
  }),
  FINQWARE_CLIENT_SECRET: doc(z.string().optional(), {
    default: 'sandbox tenant app †',
    meaning: 'Tenant app `client_secret` (secret).',
    developmentOnly: true,
  }),
  FINQWARE_CLIENT_APP_KEY: doc(z.string().optional(), {
    default: 'sandbox tenant app †',
    meaning: 'Tenant app `client_app_key`, sent when creating sessions.',
    developmentOnly: true,
  }),
  FINQWARE_SIGNING_KEY_FILE: doc(
    existingFile('the path of an existing file (service-account JSON or PEM private key)').optional(),
    {
      meaning:
        "Signs every Finqware call (use a `/v1s` base URL): the service account's JSON key file (`private_key`, `private_key_id`, `client_email`) or a PEM RSA private key. Unset: unsigned.",
    },
  ),
  FINQWARE_SIGNING_KEY_ID: doc(z.string().optional(), {
    meaning:
      "Key id (`kid`) of the signing key; required with a PEM file, overrides the JSON's `private_key_id`.",
  }),
  FINQWARE_SERVICE_ACCOUNT_EMAIL: doc(z.string().optional(), {
    meaning:
      "Service-account e-mail (the JWT's issuer); required with a PEM file, overrides the JSON's `client_email`.",
  }),
  FINQWARE_TIMEOUT_MS: doc(integer(100, 600_000).default(15_000), {
    default: '`15000`',
    meaning: 'Timeout of one Finqware HTTP call (100–600000 ms).',
  }),
  VAULT_KEYS: doc(vaultKeys().optional(), {
    default: 'development key †',
    meaning:
      'Token vault keys: `kid:base64key,kid2:base64key`, oldest first; the **last** encrypts, all decrypt. Key = 32 random bytes (`openssl rand -base64 32`), kid = 1–32 of `[A-Za-z0-9_-]`.',
    developmentOnly: true,
  }),
  VAULT_HMAC_KEY: doc(hmacKey().optional(), {
    default: '_(derived)_',
    meaning:
      'Optional stable key (32 bytes, base64) for `credentials_id_hash`; unset: derived from each vault key with HKDF.',
  }),
  API_HOST: doc(host().default('127.0.0.1'), {
    default: '`127.0.0.1`',
    meaning: 'Interface the api listens on (tRPC, bank callback, `/healthz`); the images set `0.0.0.0`.',
  }),
  API_PORT: doc(port().default(3000), {
    default: '`3000`',
    meaning: 'Port of the api.',
  }),
  API_PUBLIC_URL: doc(httpUrl().optional(), {
    default: '`http://<API_HOST>:<API_PORT>` †',
    meaning:
      "Public base URL of the api; the bank redirect (`psu_redirect_link`) points at its `/connect/callback`. Unset outside production: the api's own host (`127.0.0.1` for `0.0.0.0`) and port.",
    developmentOnly: true,
  }),
  ADMIN_HOST: doc(host().default('127.0.0.1'), {
    default: '`127.0.0.1`',
    meaning:
      'Interface of the admin listeners (`/healthz`, `/readyz`, `/metrics` of the api and of the worker): keep it private; the images set `0.0.0.0` for the scraper.',
  }),
  ADMIN_PORT: doc(adminPort().default(3001), {
    default: '`3001`',
    meaning: "Port of the api's admin listener (0: any free port).",
  }),
  WORKER_ADMIN_PORT: doc(adminPort().default(3002), {
    default: '`3002`',
    meaning: "Port of the sync worker's admin listener (0: any free port).",
  }),
  PUBLIC_APP_URL: doc(httpUrl().optional(), {
    default: '`http://127.0.0.1:5173/connected` †',
    meaning: 'Front-end page the browser returns to after a bank redirect.',
    developmentOnly: true,
  }),
  CORS_ORIGINS: doc(origins().default(['http://127.0.0.1:5173', 'http://localhost:5173']), {
    default: '`http://127.0.0.1:5173,http://localhost:5173`',
    meaning: 'Comma-separated origins allowed to call the api from a browser (`*` for any).',
  }),
  API_TRUSTED_PROXIES: doc(proxies().default([]), {
    default: '_(none)_',
    meaning:
      "Load balancers or proxies in front of the api (comma-separated addresses or CIDR blocks). A request whose peer is one of them is counted for the address it names in `X-Forwarded-For` (the nearest one that is not trusted); unset, the socket's peer is the client and `X-Forwarded-For` is ignored, as anyone can send it.",
  }),
  AUTH_TOKEN_TTL_HOURS: doc(integer(1, 24 * 365).default(720), {
    default: '`720`',
    meaning: 'Lifetime of an api bearer token.',
  }),
  AUTH_SESSION_CACHE_SECONDS: doc(integer(0, 300).default(5), {
    default: '`5`',
    meaning:
      'Seconds an api process trusts a bearer token it verified (0–300; 0 looks it up on every request). A token revoked via another instance works there for up to this long.',
  }),
  AUTH_LOGIN_MAX_FAILURES: doc(integer(1, 1_000_000).default(5), {
    default: '`5`',
    meaning:
      'Passwords verified as wrong per e-mail within the login window; further sign-ins for it, even with the right password, are refused (429) before any hashing.',
  }),
  AUTH_LOGIN_MAX_PER_ADDRESS: doc(integer(1, 1_000_000).default(50), {
    default: '`50`',
    meaning: 'Sign-in attempts, right or wrong, per client address (IPv6: per /64) within the login window.',
  }),
  AUTH_LOGIN_WINDOW_MINUTES: doc(integer(1, 24 * 60).default(15), {
    default: '`15`',
    meaning: 'The login window of the two limits above (1–1440 minutes).',
  }),
  AUTH_REGISTER_MAX_PER_ADDRESS: doc(integer(1, 1_000_000).default(10), {
    default: '`10`',
    meaning:
      'Registration attempts per client address (IPv6: per /64) within the registration window, whether the e-mail is free or taken.',
  }),
  AUTH_REGISTER_WINDOW_MINUTES: doc(integer(1, 24 * 60).default(60), {
    default: '`60`',
    meaning: 'The registration window (1–1440 minutes).',
  }),
  SANDBOX_PORT: doc(port().default(3010), {
    default: '`3010`',
    meaning: 'Port of the local Finqware sandbox `pnpm start` runs.',
  }),
  SYNC_CRON: doc(cron().default('0 */6 * * *'), {
    default: '`0 */6 * * *`',
    meaning: 'When the fan-out enqueues a sync of every ACTIVE consent (5-field cron).',
  }),
  SYNC_TIMEZONE: doc(timezone().default('UTC'), {
    default: '`UTC`',
    meaning: 'IANA time zone of `SYNC_CRON`.',
  }),
  SYNC_SPREAD_SECONDS: doc(integer(0, 86_400).default(900), {
    default: '`900`',
    meaning: 'Fan-out spreads consent syncs over this many seconds.',
  }),
  SYNC_CONCURRENCY: doc(integer(1, 256).default(4), {
    default: '`4`',
    meaning: 'Consent syncs a worker runs at once.',
  }),
  SYNC_FETCH_BATCH: doc(integer(1, 64).default(1), {
    default: '`1`',
    meaning:
      'Consent syncs a worker fetches and runs together, out of its `SYNC_CONCURRENCY`: one fetch and one completion per batch instead of per sync. A batch completes when its last sync ends, so a long first sync holds its batch; `4` suits a fleet whose syncs are incremental (docs/operations.md).',
  }),
  SYNC_EXPIRY_WARNING_DAYS: doc(integer(0, 365).default(7), {
    default: '`7`',
    meaning: 'A consent expiring within this many days is flagged `expires_soon`.',
  }),
  SYNC_REFRESH_COOLDOWN_SECONDS: doc(integer(0, 86_400).default(300), {
    default: '`300`',
    meaning: 'Minimum time between manual refreshes of one consent.',
  }),
  SYNC_OVERLAP_MINUTES: doc(integer(0, 7 * 24 * 60).default(60), {
    default: '`60`',
    meaning: 'Incremental syncs re-read transactions inserted this long before the cursor.',
  }),
  CONNECT_MAX_OPEN_SESSIONS: doc(integer(1, 100).default(5), {
    default: '`5`',
    meaning:
      'Bank connections one user may have in progress at once; `connect.start` refuses another (`PRECONDITION_FAILED`, `TOO_MANY_OPEN_SESSIONS`).',
  }),
  CONNECT_STARTS_PER_HOUR: doc(integer(1, 10_000).default(10), {
    default: '`10`',
    meaning: 'Bank connections one user may start per rolling hour (each costs a Finqware session).',
  }),
  CONNECT_MAX_CREDENTIAL_FAILURES: doc(integer(1, 100).default(5), {
    default: '`5`',
    meaning: 'Bank credentials refused in one connect session before it ends `FAILED`.',
  }),
  CONSENT_REVOKE_PURGE: doc(z.stringbool({ error: 'true or false' }).default(false), {
    default: '`false`',
    meaning:
      '`true`: revoking a consent deletes its cached accounts, balances and transactions; `false`: keeps them.',
  }),
} as const;

export type VariableName = keyof typeof VARIABLES;
