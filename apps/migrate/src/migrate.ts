#!/usr/bin/env node
/**
 * `tenant-migrate [--dry-run]`: applies the committed migrations this database lacks, each in its
 * own transaction, logging each one; `--dry-run` lists them and applies nothing. Needs DATABASE_URL
 * alone. The api and workers of a new release wait for it (their /readyz is 503 until it ran).
 */
import { migrate, pendingMigrations } from '@tenant/domain';
import { runJob } from './job';

const USAGE = 'usage: tenant-migrate [--dry-run]';

runJob('migrate', async ({ orm, log, args }) => {
  const unknown = args.filter((arg) => arg !== '--dry-run');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]}; ${USAGE}`);
  const pending = await pendingMigrations(orm);
  if (args.includes('--dry-run')) {
    log.info(
      { pending },
      pending.length ? `${pending.length} migrations pending (dry run: none applied)` : 'up to date',
    );
    return;
  }
  if (pending.length === 0) {
    log.info({ pending }, 'up to date');
    return;
  }
  log.info({ pending }, `applying ${pending.length} migrations`);
  const started = Date.now();
  const applied = await migrate(orm);
  log.info({ applied, ms: Date.now() - started }, `applied ${applied.length} migrations`);
});
