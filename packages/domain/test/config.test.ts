import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_VAULT_KEY, loadConfig, SANDBOX_TENANT_APP } from '../src';

const b64key = () => randomBytes(32).toString('base64');

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('has working local defaults', () => {
    const config = loadConfig({});
    expect(config.nodeEnv).toBe('development');
    expect(config.database).toEqual({ url: undefined, poolMax: 10, dataDir: undefined });
    expect(config.finqware).toMatchObject({
      baseUrl: 'http://127.0.0.1:3010/v1',
      clientId: SANDBOX_TENANT_APP.clientId,
      clientSecret: SANDBOX_TENANT_APP.clientSecret,
      clientAppKey: SANDBOX_TENANT_APP.clientAppKey,
    });
    expect(config.vault.keys).toEqual([DEVELOPMENT_VAULT_KEY]);
    expect(config.vault.usingDevelopmentKey).toBe(true);
    expect(config.api).toEqual({
      port: 3000,
      publicUrl: 'http://127.0.0.1:3000',
      corsOrigins: ['http://127.0.0.1:5173', 'http://localhost:5173'],
    });
    expect(config.publicAppUrl).toBe('http://127.0.0.1:5173/connected');
    expect(config.auth).toEqual({
      tokenTtlHours: 720,
      sessionCacheSeconds: 5,
      loginMaxFailures: 5,
      loginWindowMinutes: 15,
    });
    expect(config.sync).toEqual({
      cron: '0 */6 * * *',
      timezone: 'UTC',
      spreadSeconds: 900,
      concurrency: 4,
      expiryWarningDays: 7,
      refreshCooldownSeconds: 300,
      overlapMinutes: 60,
    });
    expect(config.consent.revokePurge).toBe(false);
    expect(config.sandbox.port).toBe(3010);
    expect(config.logLevel).toBe('info');
  });

  it('reads values, treating empty strings as unset', () => {
    const k1 = b64key();
    const k2 = randomBytes(32).toString('base64url');
    const config = loadConfig({
      DATABASE_URL: 'postgres://app@db:5432/tenant',
      API_PORT: '8080',
      API_PUBLIC_URL: 'https://api.example.com/',
      VAULT_KEYS: `2025a:${k1}, 2025b:${k2}`,
      SYNC_CONCURRENCY: '',
      CONSENT_REVOKE_PURGE: 'true',
      SYNC_TIMEZONE: 'Europe/Bucharest',
    });
    expect(config.database.url).toBe('postgres://app@db:5432/tenant');
    expect(config.api.port).toBe(8080);
    expect(config.api.publicUrl).toBe('https://api.example.com');
    expect(config.vault.keys.map((k) => k.id)).toEqual(['2025a', '2025b']);
    expect(config.vault.keys[1]?.key.equals(Buffer.from(k2, 'base64url'))).toBe(true);
    expect(config.vault.usingDevelopmentKey).toBe(false);
    expect(config.sync.concurrency).toBe(4);
    expect(config.consent.revokePurge).toBe(true);
    expect(config.sync.timezone).toBe('Europe/Bucharest');
  });

  it.each([
    ['API_PORT', 'http', /an integer from 1 to 65535/],
    ['API_PORT', '70000', /an integer from 1 to 65535/],
    ['DATABASE_URL', 'mysql://x@y/z', /PostgreSQL URL/],
    ['FINQWARE_BASE_URL', 'not a url', /http\(s\) URL/],
    ['FINQWARE_TIMEOUT_MS', '-5', /integer/],
    ['SYNC_CRON', 'every six hours', /cron expression/],
    ['SYNC_TIMEZONE', 'Mars/Olympus', /IANA time zone/],
    ['CONSENT_REVOKE_PURGE', 'maybe', /true or false/],
    ['LOG_LEVEL', 'loud', /one of fatal, error/],
    ['NODE_ENV', 'staging', /one of development, test, production/],
    ['CORS_ORIGINS', 'http://a.test/path', /origins/],
    ['VAULT_KEYS', 'k1:tooshort', /kid:key pairs/],
    [
      'VAULT_KEYS',
      `k1:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`,
      /kids unique/,
    ],
    ['VAULT_HMAC_KEY', 'abc', /32 random bytes/],
    ['FINQWARE_SIGNING_KEY_FILE', '/nonexistent/key.pem', /existing file/],
    ['CATALOG_FILE', '/nonexistent/catalog.json', /catalog JSON/],
  ])('names %s when it is bad (%s)', (variable, value, expected) => {
    const error = configError({ [variable]: value });
    expect(error.issues.map((i) => i.variable)).toEqual([variable]);
    expect(error.message).toContain(`${variable}: expected`);
    expect(error.message).toMatch(expected);
  });

  it('lists every bad variable at once and never echoes a value', () => {
    const secretish = 'k1:SUPER-SECRET-NOT-BASE64!!';
    const error = configError({ API_PORT: 'x', SYNC_CONCURRENCY: '0', VAULT_KEYS: secretish });
    expect(error.issues.map((i) => i.variable).sort()).toEqual([
      'API_PORT',
      'SYNC_CONCURRENCY',
      'VAULT_KEYS',
    ]);
    expect(error.message).not.toContain('SUPER-SECRET');
  });

  it('refuses development defaults in production', () => {
    const error = configError({ NODE_ENV: 'production' });
    expect(error.issues.map((i) => i.variable).sort()).toEqual([
      'FINQWARE_CLIENT_APP_KEY',
      'FINQWARE_CLIENT_ID',
      'FINQWARE_CLIENT_SECRET',
      'VAULT_KEYS',
    ]);
    expect(error.message).toMatch(/required when NODE_ENV=production/);
    const ok = loadConfig({
      NODE_ENV: 'production',
      FINQWARE_CLIENT_ID: 'id',
      FINQWARE_CLIENT_SECRET: 'secret',
      FINQWARE_CLIENT_APP_KEY: 'app',
      VAULT_KEYS: `prod1:${b64key()}`,
    });
    expect(ok.vault.usingDevelopmentKey).toBe(false);
    expect(
      configError({
        NODE_ENV: 'production',
        FINQWARE_CLIENT_ID: 'id',
        FINQWARE_CLIENT_SECRET: 'secret',
        FINQWARE_CLIENT_APP_KEY: 'app',
        VAULT_KEYS: `dev:${DEVELOPMENT_VAULT_KEY.key.toString('base64')}`,
      }).issues,
    ).toEqual([
      { variable: 'VAULT_KEYS', expected: expect.stringMatching(/other than the development key/) },
    ]);
  });
});
