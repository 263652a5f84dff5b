/**
 * pnpm --filter @tenant/sync-worker bench — fan-out of BENCH_CONSENTS (default 100 000) ACTIVE
 * consents into consent-sync jobs, on a fresh database (DATABASE_URL's server, or embedded).
 * Prints the fan-out time and rate, a second fan-out right after (every consent already has a
 * queued job, so the stately policy must add nothing), and fan-out #1 run again under its own id,
 * as its retry after a worker died would (every job id exists, so nothing is added).
 */
import { randomUUID } from 'node:crypto';
import { createQueues, QUEUES } from '@tenant/domain';
import { createTestDatabase, stopTestServer } from '@tenant/domain/testing';
import { runSql } from '@tenant/sync-engine/testing';
import { PgBoss } from 'pg-boss';
import { fanOut } from '../src/fanout';
import { insertBulkConsents } from '../test/helpers';

const consents = Number(process.env.BENCH_CONSENTS ?? 100_000);
const batchSize = Number(process.env.BENCH_FANOUT_BATCH ?? 5000);

const db = await createTestDatabase({ pool: 4 });
const boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false, max: 4 });
boss.on('error', (err) => console.error('pg-boss:', err.message));
try {
  await boss.start();
  await createQueues(boss);
  let t = performance.now();
  await insertBulkConsents(db.orm.em.fork(), consents);
  const seedMs = performance.now() - t;

  t = performance.now();
  const fanoutId = randomUUID();
  const first = await fanOut(db.orm.em.fork(), boss, { spreadSeconds: 900, batchSize, fanoutId });
  const firstMs = performance.now() - t;
  t = performance.now();
  const second = await fanOut(db.orm.em.fork(), boss, { spreadSeconds: 900, batchSize });
  const secondMs = performance.now() - t;
  t = performance.now();
  const retried = await fanOut(db.orm.em.fork(), boss, { spreadSeconds: 900, batchSize, fanoutId });
  const retriedMs = performance.now() - t;
  const [{ queued } = { queued: 0 }] = await runSql<{ queued: number }>(
    db.orm.em.fork(),
    `SELECT count(*)::int AS queued FROM pgboss.job WHERE name = ? AND state = 'created'`,
    [QUEUES.consentSync],
  );

  const row = (name: string, value: string) => console.log(`  ${name.padEnd(42)} ${value}`);
  console.log(`\nbench/fanout — ${consents.toLocaleString('en')} ACTIVE consents`);
  row('seed (one INSERT … generate_series)', `${(seedMs / 1000).toFixed(2)} s`);
  row('fan-out #1: jobs enqueued', `${first.enqueued.toLocaleString('en')}`);
  row(
    'fan-out #1: time',
    `${(firstMs / 1000).toFixed(2)} s  (${Math.round(first.enqueued / (firstMs / 1000)).toLocaleString('en')} jobs/s)`,
  );
  row(
    'fan-out #2 (all already queued): enqueued',
    `${second.enqueued}  in ${(secondMs / 1000).toFixed(2)} s`,
  );
  row('fan-out #1 retried: enqueued', `${retried.enqueued}  in ${(retriedMs / 1000).toFixed(2)} s`);
  row('consent-sync jobs queued', `${queued.toLocaleString('en')}`);
  row('batch size', `${batchSize}`);
  row('ratio fan-out #2 / #1 time', `${(secondMs / firstMs).toFixed(2)}`);
  if (first.enqueued !== consents || second.enqueued !== 0 || retried.enqueued !== 0) {
    console.error('UNEXPECTED: every consent must get exactly one job');
    process.exitCode = 1;
  }
} finally {
  await boss.stop({ graceful: false, close: true });
  await db.drop();
  await stopTestServer();
}
