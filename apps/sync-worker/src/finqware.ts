import { readFileSync } from 'node:fs';
import type { Config } from '@tenant/domain';
import { createFinqwareClient, type FinqwareClient } from '@tenant/finqware-client';

/**
 * The worker's Finqware client. Short server delays (≤ 2 s) are waited out inside the call; a
 * longer Retry-After surfaces as a rate_limit error, so the job is rescheduled for that time
 * instead of holding a worker slot asleep.
 */
export function createWorkerFinqwareClient(config: Config): FinqwareClient {
  const { finqware } = config;
  const signing =
    finqware.signingKeyFile !== undefined
      ? {
          signingKey: {
            privateKeyPem: readFileSync(finqware.signingKeyFile, 'utf8'),
            keyId: finqware.signingKeyId ?? '',
            serviceAccountEmail: finqware.serviceAccountEmail ?? '',
          },
        }
      : {};
  return createFinqwareClient({
    baseUrl: finqware.baseUrl,
    clientId: finqware.clientId,
    clientSecret: finqware.clientSecret,
    clientAppKey: finqware.clientAppKey,
    timeoutMs: finqware.timeoutMs,
    retry: { retries: 2, maxRetryAfterMs: 2000 },
    ...signing,
  });
}
