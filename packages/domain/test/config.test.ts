import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  catalogFingerprint,
  DEVELOPMENT_VAULT_KEY,
  defaultCatalogPath,
  loadConfig,
  type ProcessName,
  renderConfigTable,
  repoRoot,
  SANDBOX_CATALOG_SHA256,
  SANDBOX_TENANT_APP,
  variablesOf,
} from '../src';

const b64key = () => randomBytes(32).toString('base64');
const DB = 'postgres://app@db:5432/tenant';

function configError(forProcess: ProcessName, env: Record<string, string>): ConfigError {
  try {
    loadConfig(forProcess, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

/** Everything production asks of the api, as an operator would set it. */
const productionApi = () => ({
  NODE_ENV: 'production',
  DATABASE_URL: DB,
  FINQWARE_BASE_URL: 'https://api.finqware.com/v1',
  FINQWARE_CLIENT_ID: 'id',
  FINQWARE_CLIENT_SECRET: 'secret',
  FINQWARE_CLIENT_APP_KEY: 'app',
  VAULT_KEYS: `prod1:${b64key()}`,
  API_PUBLIC_URL: 'https://api.example.com',
  PUBLIC_APP_URL: 'https://app.example.com/connected',
});

const tempFile = (name: string, content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'tenant-config-')), name);
  writeFileSync(path, content);
  return path;
};

describe('config', () => {
  it('has working local defaults for the api and the worker', () => {
    const api = loadConfig('api', { DATABASE_URL: DB });
    expect(api.nodeEnv).toBe('development');
    expect(api.logLevel).toBe('info');
    expect(api.database).toEqual({ url: DB, poolMax: 10, preparedStatements: true });
    expect(api.finqware).toEqual({
      baseUrl: 'http://127.0.0.1:3010/v1',
      clientId: SANDBOX_TENANT_APP.clientId,
      clientSecret: SANDBOX_TENANT_APP.clientSecret,
      clientAppKey: SANDBOX_TENANT_APP.clientAppKey,
      signingKey: undefined,
      timeoutMs: 15_000,
    });
    expect(api.vault.keys).toEqual([DEVELOPMENT_VAULT_KEY]);
    expect(api.vault.usingDevelopmentKey).toBe(true);
    expect(api.api).toEqual({
      host: '127.0.0.1',
      port: 3000,
      publicUrl: 'http://127.0.0.1:3000',
      corsOrigins: ['http://127.0.0.1:5173', 'http://localhost:5173'],
      trustedProxies: [],
    });
    expect(api.admin).toEqual({ host: '127.0.0.1', port: 3001 });
    expect(api.publicAppUrl).toBe('http://127.0.0.1:5173/connected');
    expect(api.auth).toEqual({
      tokenTtlHours: 720,
      sessionCacheSeconds: 5,
      loginMaxFailures: 5,
      loginWindowMinutes: 15,
      loginMaxPerAddress: 50,
      registerMaxPerAddress: 10,
      registerWindowMinutes: 60,
    });
    expect(api.consent).toEqual({ refreshCooldownSeconds: 300, revokePurge: false });

    const worker = loadConfig('worker', { DATABASE_URL: DB });
    expect(worker.workerAdmin).toEqual({ host: '127.0.0.1', port: 3002 });
    expect(worker.sync).toEqual({
      cron: '0 */6 * * *',
      timezone: 'UTC',
      spreadSeconds: 900,
      concurrency: 4,
      fetchBatch: 1,
      expiryWarningDays: 7,
      overlapMinutes: 60,
    });
  });

  it('sends the bank redirect back to the api it configures, on whatever port', () => {
    expect(loadConfig('api', { DATABASE_URL: DB, API_PORT: '4100' }).api.publicUrl).toBe(
      'http://127.0.0.1:4100',
    );
    expect(loadConfig('api', { DATABASE_URL: DB, API_HOST: '0.0.0.0', API_PORT: '4100' }).api).toMatchObject({
      host: '0.0.0.0',
      publicUrl: 'http://127.0.0.1:4100',
    });
    expect(loadConfig('api', { DATABASE_URL: DB, API_HOST: '::1', API_PORT: '4100' }).api.publicUrl).toBe(
      'http://[::1]:4100',
    );
    expect(
      loadConfig('api', { DATABASE_URL: DB, API_PORT: '4100', API_PUBLIC_URL: 'https://t.example/' }).api
        .publicUrl,
    ).toBe('https://t.example');
  });

  it('reads values, treating empty strings as unset', () => {
    const k1 = b64key();
    const k2 = randomBytes(32).toString('base64url');
    const config = loadConfig('api', {
      DATABASE_URL: DB,
      API_PORT: '8080',
      API_PUBLIC_URL: 'https://api.example.com/',
      VAULT_KEYS: `2025a:${k1}, 2025b:${k2}`,
      AUTH_TOKEN_TTL_HOURS: '',
      CONSENT_REVOKE_PURGE: 'true',
      ADMIN_HOST: '0.0.0.0',
      ADMIN_PORT: '0',
      API_TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.1,fd00::/8',
    });
    expect(config.api.port).toBe(8080);
    expect(config.api.trustedProxies).toEqual([
      { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
      { address: '192.0.2.1', prefix: 32, family: 'ipv4' },
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
    ]);
    expect(config.api.publicUrl).toBe('https://api.example.com');
    expect(config.vault.keys.map((k) => k.id)).toEqual(['2025a', '2025b']);
    expect(config.vault.keys[1]?.key.equals(Buffer.from(k2, 'base64url'))).toBe(true);
    expect(config.vault.usingDevelopmentKey).toBe(false);
    expect(config.auth.tokenTtlHours).toBe(720);
    expect(config.consent.revokePurge).toBe(true);
    expect(config.admin).toEqual({ host: '0.0.0.0', port: 0 });
    expect(loadConfig('worker', { DATABASE_URL: DB, SYNC_TIMEZONE: 'Europe/Bucharest' }).sync.timezone).toBe(
      'Europe/Bucharest',
    );
  });

  it.each([
    ['api', 'API_PORT', 'http', /an integer from 1 to 65535/],
    ['api', 'API_PORT', '70000', /an integer from 1 to 65535/],
    ['api', 'API_HOST', 'a b', /interface address/],
    ['api', 'ADMIN_PORT', '-1', /an integer from 0 to 65535/],
    ['worker', 'WORKER_ADMIN_PORT', '1.5', /an integer from 0 to 65535/],
    ['migrate', 'DATABASE_URL', 'mysql://x@y/z', /PostgreSQL URL/],
    ['api', 'FINQWARE_BASE_URL', 'not a url', /http\(s\) URL/],
    ['api', 'FINQWARE_TIMEOUT_MS', '-5', /integer/],
    ['worker', 'SYNC_CRON', 'every six hours', /cron expression/],
    ['worker', 'SYNC_TIMEZONE', 'Mars/Olympus', /IANA time zone/],
    ['api', 'CONSENT_REVOKE_PURGE', 'maybe', /true or false/],
    ['migrate', 'LOG_LEVEL', 'loud', /one of fatal, error/],
    ['migrate', 'NODE_ENV', 'staging', /one of development, test, production/],
    ['api', 'CORS_ORIGINS', 'http://a.test/path', /origins/],
    ['api', 'API_TRUSTED_PROXIES', 'proxy.internal', /IP addresses or CIDR blocks/],
    ['api', 'API_TRUSTED_PROXIES', '10.0.0.0/33', /IP addresses or CIDR blocks/],
    ['api', 'AUTH_REGISTER_MAX_PER_ADDRESS', '0', /an integer from 1 to 1000000/],
    ['api', 'VAULT_KEYS', 'k1:tooshort', /kid:key pairs/],
    ['api', 'VAULT_KEYS', `k1:${b64key()},k1:${b64key()}`, /kids unique/],
    ['api', 'VAULT_HMAC_KEY', 'abc', /32 random bytes/],
    ['api', 'FINQWARE_SIGNING_KEY_FILE', '/nonexistent/key.pem', /existing file/],
    ['seed-catalog', 'CATALOG_FILE', '/nonexistent/catalog.json', /catalog JSON/],
  ] as const)('%s: names %s when it is bad (%s)', (forProcess, variable, value, expected) => {
    const error = configError(forProcess, { DATABASE_URL: DB, [variable]: value });
    expect(error.issues.map((i) => i.variable)).toEqual([variable]);
    expect(error.message).toContain(`${variable}: expected`);
    expect(error.message).toMatch(expected);
  });

  it('lists every bad variable at once and never echoes a value', () => {
    const secretish = 'k1:SUPER-SECRET-NOT-BASE64!!';
    const error = configError('worker', {
      DATABASE_URL: DB,
      DATABASE_POOL_MAX: 'x',
      SYNC_CONCURRENCY: '0',
      VAULT_KEYS: secretish,
    });
    expect(error.issues.map((i) => i.variable).sort()).toEqual([
      'DATABASE_POOL_MAX',
      'SYNC_CONCURRENCY',
      'VAULT_KEYS',
    ]);
    expect(error.message).not.toContain('SUPER-SECRET');
  });

  it('requires a database URL of every process but `pnpm start`', () => {
    for (const forProcess of ['api', 'worker', 'migrate', 'seed-catalog', 'rotate-vault-keys'] as const) {
      const error = configError(forProcess, {});
      expect(error.issues.map((i) => i.variable)).toEqual(['DATABASE_URL']);
      expect(error.message).toMatch(/pnpm start/);
    }
    expect(loadConfig('pnpm start', {}).local.databaseUrl).toBeUndefined();
  });

  it('tells each process only what it uses: migrate needs DATABASE_URL alone, even in production', () => {
    expect(variablesOf('migrate')).toEqual([
      'NODE_ENV',
      'LOG_LEVEL',
      'DATABASE_URL',
      'DATABASE_POOL_MAX',
      'DATABASE_PREPARED_STATEMENTS',
    ]);
    const migrate = loadConfig('migrate', {
      NODE_ENV: 'production',
      DATABASE_URL: DB,
      // Nonsense the migrate job never reads cannot stop it.
      FINQWARE_BASE_URL: 'not a url',
      SYNC_CRON: 'never',
    });
    expect(migrate).toEqual({
      nodeEnv: 'production',
      logLevel: 'info',
      database: { url: DB, poolMax: 10, preparedStatements: true },
    });
    expect(Object.keys(migrate)).not.toContain('finqware');
    expect(variablesOf('rotate-vault-keys')).toContain('VAULT_KEYS');
    expect(variablesOf('rotate-vault-keys')).not.toContain('FINQWARE_CLIENT_SECRET');
    expect(variablesOf('worker')).not.toContain('API_PUBLIC_URL');
    expect(variablesOf('api')).not.toContain('SYNC_CRON');
  });

  it('refuses development defaults in production', () => {
    const error = configError('api', { NODE_ENV: 'production', DATABASE_URL: DB });
    expect(error.issues.map((i) => i.variable).sort()).toEqual([
      'API_PUBLIC_URL',
      'FINQWARE_BASE_URL',
      'FINQWARE_CLIENT_APP_KEY',
      'FINQWARE_CLIENT_ID',
      'FINQWARE_CLIENT_SECRET',
      'PUBLIC_APP_URL',
      'VAULT_KEYS',
    ]);
    expect(error.message).toMatch(/required when NODE_ENV=production/);
    const ok = loadConfig('api', productionApi());
    expect(ok.vault.usingDevelopmentKey).toBe(false);
    expect(ok.api.publicUrl).toBe('https://api.example.com');
    expect(
      configError('api', {
        ...productionApi(),
        VAULT_KEYS: `dev:${DEVELOPMENT_VAULT_KEY.key.toString('base64')}`,
      }).issues,
    ).toEqual([
      { variable: 'VAULT_KEYS', expected: expect.stringMatching(/other than the development key/) },
    ]);
  });

  it.each([
    ['FINQWARE_BASE_URL', 'http://127.0.0.1:3010/v1'],
    ['FINQWARE_BASE_URL', 'http://localhost:3010/v1'],
    ['API_PUBLIC_URL', 'http://127.0.0.1:3000'],
    ['API_PUBLIC_URL', 'http://[::1]:3000'],
    ['PUBLIC_APP_URL', 'http://127.0.0.1:5173/connected'],
    ['PUBLIC_APP_URL', 'http://app.localhost/connected'],
  ])('refuses %s pointing at this machine (%s) in production', (variable, value) => {
    const error = configError('api', { ...productionApi(), [variable]: value });
    expect(error.issues).toEqual([{ variable, expected: expect.stringMatching(/not this machine/) }]);
    expect(() =>
      loadConfig('api', { ...productionApi(), NODE_ENV: 'development', [variable]: value }),
    ).not.toThrow();
  });

  it("refuses to seed a production database with the sandbox's catalog", () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: DB };
    expect(configError('seed-catalog', production).issues).toEqual([
      { variable: 'CATALOG_FILE', expected: expect.stringMatching(/required when NODE_ENV=production/) },
    ]);
    const copy = tempFile('catalog.json', readFileSync(defaultCatalogPath(), 'utf8'));
    for (const file of [defaultCatalogPath(), copy]) {
      expect(configError('seed-catalog', { ...production, CATALOG_FILE: file }).issues).toEqual([
        { variable: 'CATALOG_FILE', expected: expect.stringMatching(/not the sandbox's/) },
      ]);
    }
    // Recognised by content, so a copy is refused where the sandbox is not installed (an image).
    expect(catalogFingerprint(readFileSync(defaultCatalogPath(), 'utf8'))).toBe(SANDBOX_CATALOG_SHA256);
    const own = tempFile('catalog.json', '{"servicers":[],"skills":[]}');
    expect(loadConfig('seed-catalog', { ...production, CATALOG_FILE: own }).catalog.file).toBe(own);
    expect(loadConfig('seed-catalog', { DATABASE_URL: DB }).catalog.file).toBe(defaultCatalogPath());
  });

  describe('the signing key file', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

    it("reads a service account's JSON key file as Google issues it", () => {
      const file = tempFile(
        'sa.json',
        JSON.stringify({
          type: 'service_account',
          private_key_id: 'kid-1',
          private_key: pem,
          client_email: 'tenant@project.iam.gserviceaccount.com',
        }),
      );
      const config = loadConfig('worker', { DATABASE_URL: DB, FINQWARE_SIGNING_KEY_FILE: file });
      expect(config.finqware.signingKey).toEqual({
        privateKeyPem: pem,
        keyId: 'kid-1',
        serviceAccountEmail: 'tenant@project.iam.gserviceaccount.com',
      });
      const overridden = loadConfig('api', {
        DATABASE_URL: DB,
        FINQWARE_SIGNING_KEY_FILE: file,
        FINQWARE_SIGNING_KEY_ID: 'kid-2',
      });
      expect(overridden.finqware.signingKey?.keyId).toBe('kid-2');
    });

    it('reads a PEM, whose key id and e-mail then come from their variables', () => {
      const file = tempFile('key.pem', pem);
      expect(
        configError('api', { DATABASE_URL: DB, FINQWARE_SIGNING_KEY_FILE: file }).issues.map(
          (i) => i.variable,
        ),
      ).toEqual(['FINQWARE_SIGNING_KEY_ID']);
      const config = loadConfig('api', {
        DATABASE_URL: DB,
        FINQWARE_SIGNING_KEY_FILE: file,
        FINQWARE_SIGNING_KEY_ID: 'kid',
        FINQWARE_SERVICE_ACCOUNT_EMAIL: 'sa@example.com',
      });
      expect(config.finqware.signingKey).toEqual({
        privateKeyPem: pem,
        keyId: 'kid',
        serviceAccountEmail: 'sa@example.com',
      });
    });

    it('names the file when it holds no usable key, without quoting it', () => {
      for (const content of ['{"private_key": "SECRET-GARBAGE"}', 'SECRET-GARBAGE', '{not json']) {
        const error = configError('api', {
          DATABASE_URL: DB,
          FINQWARE_SIGNING_KEY_FILE: tempFile('bad', content),
          FINQWARE_SIGNING_KEY_ID: 'kid',
          FINQWARE_SERVICE_ACCOUNT_EMAIL: 'sa@example.com',
        });
        expect(error.issues.map((i) => i.variable)).toEqual(['FINQWARE_SIGNING_KEY_FILE']);
        expect(error.message).not.toContain('SECRET-GARBAGE');
      }
    });
  });

  it("README's configuration table is the one the schema renders", () => {
    const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
    // When this fails: pnpm --filter @tenant/domain docs:config
    expect(readme).toContain(renderConfigTable());
  });
});
