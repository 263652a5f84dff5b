import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@tenant/domain';
import { startSandbox } from '@tenant/finqware-sandbox';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { finqwareClientFromConfig, finqwareMetrics } from '../src';

describe('the Finqware client from configuration', () => {
  it("signs every call with a service account's JSON key file, and counts them", async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(mkdtempSync(join(tmpdir(), 'tenant-sa-')), 'service-account.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        type: 'service_account',
        private_key_id: 'key-1',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        client_email: 'tenant@example.iam.gserviceaccount.com',
      }),
    );
    const sandbox = await startSandbox({
      signing: {
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        keyId: 'key-1',
        serviceAccountEmail: 'tenant@example.iam.gserviceaccount.com',
      },
    });
    try {
      const registry = new Registry();
      const env = {
        DATABASE_URL: 'postgres://unused@127.0.0.1/none',
        FINQWARE_BASE_URL: sandbox.signedApiUrl,
        FINQWARE_SIGNING_KEY_FILE: keyFile,
      };
      const onResponse = finqwareMetrics(registry);
      // The api's and the worker's configurations build the same client.
      for (const forProcess of ['api', 'worker'] as const) {
        const fq = finqwareClientFromConfig(loadConfig(forProcess, env), { onResponse });
        const session = await fq.sessions.create({
          tenantUserId: crypto.randomUUID(),
          skill: 'rzb_ro_aisp_sbx_#1.0',
        });
        expect(session.sessionId).toBeTruthy();
      }
      // Unsigned, the same call is refused: the signature above is what let it through.
      const unsigned = finqwareClientFromConfig(
        loadConfig('api', { ...env, FINQWARE_SIGNING_KEY_FILE: '' }),
        { retry: false },
      );
      await expect(
        unsigned.sessions.create({ tenantUserId: crypto.randomUUID(), skill: 'rzb_ro_aisp_sbx_#1.0' }),
      ).rejects.toThrow();
      const text = await registry.metrics();
      expect(text).toMatch(/finqware_requests_total\{endpoint="sessions.create",status="200"\} 2/);
      expect(text).toMatch(/finqware_request_duration_seconds_count\{endpoint="sessions.create"\} 2/);
    } finally {
      await sandbox.close();
    }
  });
});
