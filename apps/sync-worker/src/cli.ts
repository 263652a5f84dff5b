#!/usr/bin/env node
/**
 * Operator commands (`node dist/cli.js …` in the worker image, `pnpm --filter @tenant/sync-worker
 * dlq …` from the sources); results on stdout, progress of long runs on stderr:
 *   dlq list [limit]      dead-lettered consent syncs with their error class and payload shape
 *   dlq retry <id…>       move the given dead letters back to consent-sync
 *   dlq retry-all         move every dead letter back
 *   fanout                enqueue a sync of every ACTIVE consent now (same as the cron)
 */
import { ConfigError, createOrm, createQueues, loadConfig } from '@tenant/domain';
import { PgBoss } from 'pg-boss';

import { listDeadLetters, redriveDeadLetters } from './dlq';
import { fanOut } from './fanout';

const USAGE = 'usage: dlq list [limit] | dlq retry <job-id…> | dlq retry-all | fanout';

const progress = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

async function main(argv: string[]) {
  const [group, command, ...rest] = argv[0] === 'dlq' ? argv : ['', ...argv];
  const config = loadConfig('worker cli');
  const database = config.database;
  // A short-lived instance: no maintenance, no cron, no instance registry entry.
  const boss = new PgBoss({
    connectionString: database.url,
    supervise: false,
    schedule: false,
    registerInstance: false,
    max: 2,
  });
  boss.on('error', (err) => console.error('pg-boss:', err.message));
  await boss.start();
  try {
    await createQueues(boss);
    if (group === 'dlq' && command === 'list') {
      const letters = await listDeadLetters(boss, Number(rest[0] ?? 100));
      if (letters.length === 0) console.log('no dead letters');
      for (const letter of letters) console.log(JSON.stringify(letter));
    } else if (group === 'dlq' && command === 'retry' && rest.length > 0) {
      console.log(`re-driven: ${await redriveDeadLetters(boss, rest)}`);
    } else if (group === 'dlq' && command === 'retry-all') {
      // No total: pg-boss's queue counts are its monitor's, stale or 0 in a process that runs none.
      const started = Date.now();
      const moved = await redriveDeadLetters(boss, undefined, {
        onProgress: (n) => progress(`re-driven ${n} so far (${seconds(started)} s)`),
      });
      console.log(`re-driven: ${moved}`);
    } else if (command === 'fanout') {
      const orm = await createOrm({
        clientUrl: database.url,
        pool: 2,
        preparedStatements: database.preparedStatements,
      });
      try {
        const started = Date.now();
        const result = await fanOut(orm.em.fork(), boss, {
          spreadSeconds: config.sync.spreadSeconds,
          onBatch: (p) => progress(`fan-out: ${JSON.stringify(p)} (${seconds(started)} s)`),
        });
        console.log(JSON.stringify(result));
      } finally {
        await orm.close();
      }
    } else {
      console.error(USAGE);
      process.exitCode = 2;
    }
  } finally {
    await boss.stop({ graceful: false, close: true });
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(
    err instanceof ConfigError ? err.message : `failed: ${err instanceof Error ? err.message : err}`,
  );
  process.exit(1);
});
