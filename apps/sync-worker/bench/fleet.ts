/**
 * pnpm --filter @tenant/sync-worker bench (second part) — the production workload: one worker
 * process (src/main.ts, as deployed) against the Finqware sandbox over BENCH_FLEET_CONSENTS
 * (default 10 000) ACTIVE consents of 4 accounts each.
 *
 *   1. every consent is synced once (its initial backfill: a couple of days of history);
 *   2. the sandbox clock moves 6 hours (4 syncs a day), so each consent has a handful of new
 *      transactions and some pending rows settle;
 *   3. a fan-out enqueues one incremental sync per consent, and the worker drains them: measured.
 *
 * Prints incremental syncs per second (wall clock) and per CPU second of the worker, Finqware calls
 * per sync (the sandbox's own counters), the sandbox's CPU time beside the worker's (both share
 * this machine with PostgreSQL: the worker's CPU per sync is the figure that is ours), rows per
 * sync, and the worker processes a deployment of BENCH_FLEET_USERS users (2 consents each, 4 syncs
 * a day) needs.
 *
 * The sandbox runs in this process (its CPU is this process's, which otherwise only polls), the
 * worker in its own. Env: BENCH_FLEET_CONSENTS, BENCH_FLEET_CONCURRENCY (SYNC_CONCURRENCY of the
 * worker, default 16), BENCH_FLEET_FETCH_BATCH (its SYNC_FETCH_BATCH, default 4: the setting
 * docs/operations.md gives a fleet of incremental syncs), BENCH_FLEET_POOL (DATABASE_POOL_MAX,
 * default 20), BENCH_FLEET_USERS (default 1 000 000), BENCH_CPU_PROF (a directory: profile the
 * worker with V8's --cpu-prof).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  createQueues,
  createVault,
  DEVELOPMENT_VAULT_KEY,
  defaultCatalogPath,
  loadCatalogFile,
  seedCatalog,
  storeConsent,
} from '@tenant/domain';
import { createTestDatabase, stopTestServer } from '@tenant/domain/testing';
import { startSandbox } from '@tenant/finqware-sandbox';
import { cpuSeconds, spawnNode } from '@tenant/spawn';
import { runSql } from '@tenant/sync-engine/testing';
import { PgBoss } from 'pg-boss';
import { fanOut } from '../src/fanout';

const CONSENTS = Number(process.env.BENCH_FLEET_CONSENTS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_FLEET_CONCURRENCY ?? 16);
const FETCH_BATCH = Number(process.env.BENCH_FLEET_FETCH_BATCH ?? 4);
const POOL = Number(process.env.BENCH_FLEET_POOL ?? 20);
const USERS = Number(process.env.BENCH_FLEET_USERS ?? 1_000_000);
const SKILL = 'rzb_ro_aisp_sbx_#1.0';
const ACCOUNTS = 4;
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

const ownCpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};

const sandbox = await startSandbox({
  seed: 'bench-fleet',
  clock: { now: '2026-06-01T00:00:00Z' },
  // About 4 transactions a day per account: a 6-hour gap between syncs brings a handful per consent.
  history: { transactionsPerAccount: 8, days: 2 },
});
const db = await createTestDatabase({ pool: 4 });
const em = () => db.orm.em.fork() as unknown as EntityManager;
const boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false, max: 2 });
boss.on('error', (err) => console.error('pg-boss:', err.message));
let worker: ReturnType<typeof spawnNode> | undefined;
try {
  await boss.start();
  await createQueues(boss);
  await seedCatalog(em(), await loadCatalogFile(defaultCatalogPath()));

  // ---- consents: minted at the sandbox, stored through the vault as the api stores them ----------
  let t = performance.now();
  const vault = createVault([DEVELOPMENT_VAULT_KEY]);
  const [skill] = await runSql<{ id: string }>(em(), 'SELECT id FROM skills WHERE code = ?', [SKILL]);
  let stored = 0;
  const store = async () => {
    for (;;) {
      // The sandbox gives a user 1-4 accounts at this bank (a function of the user id): keep those with 4.
      const tenantUserId = randomUUID();
      const minted = sandbox.control.createConsent({ tenantUserId, skill: SKILL });
      const accounts = sandbox.control.truth({ credentialsId: minted.credentialsId, summary: true })
        .consents[0]?.accounts.length;
      if (accounts !== ACCOUNTS) continue;
      if (stored >= CONSENTS) return;
      stored++;
      const [user] = await runSql<{ id: string }>(
        em(),
        `INSERT INTO users (email, password_hash, tenant_user_id) VALUES (?, 'x', ?) RETURNING id`,
        [`fleet-${tenantUserId}@example.com`, tenantUserId],
      );
      await storeConsent(em(), vault, {
        user: (user as { id: string }).id,
        skill: (skill as { id: string }).id,
        credentialsId: minted.credentialsId,
        accessToken: minted.accessToken,
        consentExp: minted.consentExp,
      });
    }
  };
  await Promise.all(Array.from({ length: 4 }, store));
  const seedMs = performance.now() - t;

  // ---- the worker, as deployed ----------------------------------------------------------------------
  worker = spawnNode(MAIN, {
    cwd: APP_DIR,
    // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the worker (open it in Chrome DevTools).
    nodeFlags: process.env.BENCH_CPU_PROF
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: String(POOL),
      FINQWARE_BASE_URL: sandbox.apiUrl,
      // No schedule of its own during the run: the bench fans out.
      SYNC_CRON: '0 0 1 1 *',
      SYNC_SPREAD_SECONDS: '0',
      SYNC_CONCURRENCY: String(CONCURRENCY),
      SYNC_FETCH_BATCH: String(FETCH_BATCH),
      LOG_LEVEL: 'info',
      WORKER_ADMIN_PORT: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const workerPid = worker.pid as number;
  worker.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(`worker exited (${code ?? signal})`);
  });

  const succeeded = async () => {
    const [row] = await runSql<{ n: number; rows: number; failed: number }>(
      em(),
      `SELECT count(*) FILTER (WHERE outcome = 'SUCCEEDED')::int AS n,
              coalesce(sum(inserted + updated + removed) FILTER (WHERE outcome = 'SUCCEEDED'), 0)::int AS rows,
              count(*) FILTER (WHERE outcome NOT IN ('SUCCEEDED', 'RUNNING'))::int AS failed
         FROM sync_runs`,
    );
    return row as { n: number; rows: number; failed: number };
  };
  const drain = async (target: number) => {
    for (;;) {
      const now = await succeeded();
      if (now.n >= target) return now;
      if (worker?.exitCode !== null) throw new Error('the worker exited');
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  // ---- 1. initial syncs ---------------------------------------------------------------------------
  // The syncs fill the tables from nothing. In a deployment autovacuum analyzes them as they grow,
  // which also makes every connection plan its prepared statements anew; it may be off on a
  // benchmark server, where the plans the worker's connections made for empty tables would stay
  // (the run's opening, which reads the consent's pending rows, then took most of the database's
  // time, and the backfill slowed as the tables grew). So the bench analyzes as autovacuum would:
  // each minute (its default naptime) while the tables fill, and once when they are full.
  t = performance.now();
  const autovacuum = setInterval(
    () => void runSql(em(), 'ANALYZE').catch((err) => console.error('analyze:', err.message)),
    60_000,
  );
  let initial: Awaited<ReturnType<typeof drain>>;
  try {
    await fanOut(em(), boss, { spreadSeconds: 0, reason: 'initial' });
    initial = await drain(CONSENTS);
  } finally {
    clearInterval(autovacuum);
  }
  const initialMs = performance.now() - t;
  await runSql(em(), 'ANALYZE');

  // ---- 2. six hours later: incremental syncs, measured ----------------------------------------------
  sandbox.control.advanceClock({ advanceMinutes: 6 * 60 });
  sandbox.control.resetStats();
  const transactions = async () => {
    const [row] = await runSql<{ n: string }>(
      em(),
      'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
    );
    return Number(row?.n);
  };
  const xact0 = await transactions();
  const workerCpu0 = cpuSeconds(workerPid) ?? Number.NaN;
  const ownCpu0 = ownCpuSeconds();
  t = performance.now();
  await fanOut(em(), boss, { spreadSeconds: 0 });
  const incremental = await drain(2 * CONSENTS);
  const wallS = (performance.now() - t) / 1000;
  const workerCpuS = (cpuSeconds(workerPid) ?? Number.NaN) - workerCpu0;
  const sandboxCpuS = ownCpuSeconds() - ownCpu0;
  const calls = sandbox.control.stats();
  // Committed transactions (each autocommit statement is one), polling included: a few per second.
  await new Promise((r) => setTimeout(r, 600)); // pg_stat is flushed at most every 500 ms
  const xacts = (await transactions()) - xact0;

  const perSecond = CONSENTS / wallS;
  const perCpuSecond = CONSENTS / workerCpuS;
  const needed = (USERS * 2 * 4) / 86_400;
  const row = (name: string, value: string) => console.log(`  ${name.padEnd(46)} ${value}`);
  const endpoints = Object.entries(calls.byEndpoint)
    .map(([name, e]) => `${name} ${(e.total / CONSENTS).toFixed(2)}`)
    .join(', ');
  console.log(
    `\nbench/fleet — one worker process (SYNC_CONCURRENCY ${CONCURRENCY}, SYNC_FETCH_BATCH ${FETCH_BATCH}, pool ${POOL}), ${CONSENTS.toLocaleString('en')} ACTIVE consents × ${ACCOUNTS} accounts`,
  );
  row('seed (sandbox consents + vault-sealed rows)', `${(seedMs / 1000).toFixed(1)} s`);
  row(
    'initial syncs',
    `${(initialMs / 1000).toFixed(1)} s, ${Math.round(CONSENTS / (initialMs / 1000))} syncs/s, ${(initial.rows / CONSENTS).toFixed(1)} rows/sync`,
  );
  row('incremental syncs (6 h later)', `${wallS.toFixed(1)} s wall`);
  row(
    '  syncs/s per worker process (wall)',
    `${perSecond.toFixed(0)}   goal ≥ 100  ${perSecond >= 100 ? 'ok' : 'BELOW GOAL'}`,
  );
  row(
    '  worker CPU per sync',
    `${((workerCpuS * 1000) / CONSENTS).toFixed(2)} ms  (${perCpuSecond.toFixed(0)} syncs per CPU second)`,
  );
  row('  sandbox CPU per sync (beside, not ours)', `${((sandboxCpuS * 1000) / CONSENTS).toFixed(2)} ms`);
  row('  rows written per sync', `${((incremental.rows - initial.rows) / CONSENTS).toFixed(1)}`);
  row('  Finqware calls per sync', `${(calls.total / CONSENTS).toFixed(2)}  (${endpoints})`);
  row(
    '  database transactions per sync',
    `${(xacts / CONSENTS).toFixed(1)}  (statements in autocommit, pg-boss's included)`,
  );
  row('  failed runs', `${incremental.failed}`);
  row(
    `worker processes for ${USERS.toLocaleString('en')} users`,
    `${Math.ceil(needed / perSecond)}  (2 consents each, 4 syncs a day: ${needed.toFixed(0)} syncs/s)`,
  );
} finally {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((r) => worker?.once('exit', r));
  }
  await boss.stop({ graceful: false, close: true });
  await Promise.all([db.drop(), sandbox.close()]);
  await stopTestServer();
}
