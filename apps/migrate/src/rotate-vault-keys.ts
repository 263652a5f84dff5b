#!/usr/bin/env node
/**
 * `tenant-rotate-vault-keys [--batch-size N]`: re-encrypts every stored secret under the newest key
 * of VAULT_KEYS, in batches of one transaction each, logging progress after every batch. Run it
 * after deploying a VAULT_KEYS with a new key appended; when it is done, the old key can go.
 * Resumable and safe beside running processes (docs/operations.md).
 */
import { rotateVaultKeys, vaultFromConfig } from '@tenant/domain';
import { runJob } from './job';

const USAGE = 'usage: tenant-rotate-vault-keys [--batch-size N] (N from 1 to 10000)';

function batchSizeOf(args: string[]): number {
  if (args.length === 0) return 200;
  const [flag, value, ...rest] = args;
  const n = Number(value);
  if (flag !== '--batch-size' || rest.length > 0 || !Number.isInteger(n) || n < 1 || n > 10_000) {
    throw new Error(USAGE);
  }
  return n;
}

runJob('rotate-vault-keys', async ({ config, orm, log, args }) => {
  const batchSize = batchSizeOf(args);
  const vault = vaultFromConfig(config);
  const keys = config.vault.keys.map((key) => key.id);
  log.info(
    { keys, newest: vault.currentKeyId, batchSize },
    `re-encrypting every secret under ${vault.currentKeyId}`,
  );
  const started = Date.now();
  const result = await rotateVaultKeys(orm, vault, {
    batchSize,
    onProgress: ({ table, rotated }) =>
      log.info(
        { table, rotated, seconds: Math.round((Date.now() - started) / 100) / 10 },
        'rotation progress',
      ),
  });
  log.info(
    { ...result, ms: Date.now() - started },
    `rotated ${result.rotated} secrets; keys other than ${vault.currentKeyId} can now leave VAULT_KEYS`,
  );
});
