import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  createQueues,
  createVault,
  DEAD_WORKER_NOTICED_WITHIN_SECONDS,
  freePort,
  parseCatalog,
  QUEUES,
  repoRoot,
  seedCatalog,
} from '@tenant/domain';
import { createTestDatabase, stopTestServer } from '@tenant/domain/testing';
import { CATALOG, FAULT_KINDS, startSandbox } from '@tenant/finqware-sandbox';
import { ManagedProcess } from '@tenant/spawn';
import { type Comparison, compareConsent, emptyComparison, type StoredTransaction } from './compare';
import { FanoutTrap } from './fanout-trap';
import type { SoakOptions } from './options';
import {
  comparePayments,
  fastForwardPayments,
  type PaymentComparison,
  PaymentCustomers,
  unfinishedPayments,
} from './payments';
import {
  fastForwardRetries,
  type JobFigures,
  jobFigures,
  queueCounts,
  queueFingerprint,
  sqlOf,
  startObserver,
  triggerFanout,
} from './queue';
import { seedConsents } from './seed';
import { explainStuckJobs, settleStallSeconds } from './stuck';

export type SoakResult = {
  options: SoakOptions;
  consents: number;
  users: number;
  comparison: Comparison;
  payments: PaymentComparison;
  jobs: JobFigures;
  syncRuns: Record<string, number>;
  consentStatuses: Record<string, number>;
  fanouts: number;
  workerKills: number;
  workerStarts: number;
  clockAdvancedMinutes: number;
  faultsInjected: number;
  sandboxRequests: number;
  retriesFastForwarded: number;
  /** Fan-out workers SIGKILLed on purpose, and how many of those kills landed before the fan-out's job completed. */
  fanoutKills: { sent: number; midway: number };
  /** The settle phase's limit: no job moving for this long means the queue is stuck. */
  settleStallSeconds: number;
  logDir: string;
  workerLogLines: number;
  workerErrorLines: number;
  phases: Record<string, number>;
  wallSeconds: number;
  ok: boolean;
};

/** A small deterministic PRNG (mulberry32) so a seed replays the same kill and clock schedule. */
function rng(seed: string): () => number {
  let a = 0;
  for (const ch of seed) a = (Math.imul(a, 31) + ch.charCodeAt(0)) | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSoak(
  options: SoakOptions,
  say: (line: string) => void = console.log,
): Promise<SoakResult> {
  const wallStart = performance.now();
  const phases: Record<string, number> = {};
  let phaseStart = performance.now();
  const phase = (name: string) => {
    phases[name] = Math.round((performance.now() - phaseStart) / 100) / 10;
    phaseStart = performance.now();
  };
  const random = rng(options.seed);
  const logDir = mkdtempSync(join(tmpdir(), 'tenant-soak-'));
  const vaultKey = { id: 'soak', key: randomBytes(32) };
  const vault = createVault([vaultKey]);

  const db = await createTestDatabase({ pool: 6 });
  const sql = sqlOf(db.orm);
  // Finqware's clock starts a month behind ours and only catches up: rows never book in our
  // future. (A bank clock days ahead is outside what the engine promises: it absorbs skew up to
  // SYNC_OVERLAP_MINUTES.) Each round then moves it forward by half a day to two days.
  const sandbox = await startSandbox({
    seed: options.seed,
    clock: { now: new Date(Date.now() - 30 * 86_400_000).toISOString() },
    history: { transactionsPerAccount: options.history, days: options.history.days },
  });
  const observer = await startObserver(db.url);
  const workers: ManagedProcess[] = [];
  let api: ManagedProcess | undefined;
  const fanoutTrap = new FanoutTrap({ sql, say, restartDelayMs: () => 200 + random() * 1800 });
  const stallSeconds = settleStallSeconds();
  let workerLogLines = 0;
  let workerErrorLines = 0;
  try {
    await seedCatalog(db.orm.em.fork() as EntityManager, parseCatalog(CATALOG));
    // The queues exist before any worker starts, as after a deploy (the api creates them too).
    await createQueues(observer);
    const seeded = await seedConsents(db.orm.em.fork() as EntityManager, vault, sandbox, {
      consents: options.consents,
      perUser: options.consentsPerUser,
    });
    const users = new Set(seeded.map((c) => c.userId)).size;
    say(`seeded ${seeded.length} consents for ${users} users`);
    phase('seed');

    const workerEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      LOG_LEVEL: options.workerLogLevel,
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: '8',
      FINQWARE_BASE_URL: sandbox.apiUrl,
      FINQWARE_TIMEOUT_MS: '2000',
      VAULT_KEYS: `${vaultKey.id}:${vaultKey.key.toString('base64')}`,
      // The cron never fires during a soak: fan-outs are triggered by the soak itself.
      SYNC_CRON: '0 0 1 1 *',
      SYNC_SPREAD_SECONDS: '3',
      SYNC_CONCURRENCY: '4',
      // Two workers on one machine, beside whatever else runs: admin listeners on free ports.
      WORKER_ADMIN_PORT: '0',
    };
    for (const name of ['worker-a', 'worker-b']) {
      const file = join(logDir, `${name}.log`);
      const worker: ManagedProcess = new ManagedProcess({
        name,
        entry: join(repoRoot(), 'apps', 'sync-worker', 'src', 'main.ts'),
        cwd: repoRoot(),
        env: workerEnv,
        onLine: (line) => {
          workerLogLines++;
          if (/"level":(50|60)/.test(line) || !line.startsWith('{')) workerErrorLines++;
          appendFileSync(file, `${line}\n`);
          fanoutTrap.onLine(worker, line);
        },
        onExit: (code, signal) =>
          appendFileSync(file, `--- exit code=${code} signal=${signal} (pid ${worker.pid})\n`),
      });
      workers.push(worker);
      worker.start();
    }
    await Promise.all(workers.map((w) => w.waitForLine((line) => line.includes('sync worker started'))));
    say(`two workers started (logs in ${logDir})`);

    // The api the payment customers call; it is not killed (its restarts are tested in payments-e2e).
    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const apiLog = join(logDir, 'api.log');
    api = new ManagedProcess({
      name: 'api',
      entry: join(repoRoot(), 'apps', 'api', 'src', 'main.ts'),
      cwd: repoRoot(),
      env: {
        ...workerEnv,
        API_PORT: String(apiPort),
        API_PUBLIC_URL: apiUrl,
        // Every payment customer registers and signs in from this machine's one address.
        AUTH_REGISTER_MAX_PER_ADDRESS: '1000000',
        AUTH_LOGIN_MAX_PER_ADDRESS: '1000000',
        PUBLIC_APP_URL: `${apiUrl}/paid`,
        ADMIN_PORT: '0',
      },
      onLine: (line) => appendFileSync(apiLog, `${line}\n`),
    });
    api.start();
    await api.waitForLine((line) => line.includes('api listening'));
    const customers = new PaymentCustomers(`${apiUrl}/trpc`, random);
    if (options.payments > 0) await customers.start(Math.ceil(options.payments / 3));
    const paymentsPerRound = options.rounds > 0 ? Math.ceil(options.payments / options.rounds) : 0;

    sandbox.control.setFaults({
      rate: options.faultRate,
      kinds: [...FAULT_KINDS],
      latencyMs: 1_000,
      retryAfterSeconds: 1,
    });

    let fanouts = 0;
    let clockAdvancedMinutes = 0;
    // The last round, then every third before it: a killed fan-out holds back the ones behind it
    // for up to a minute (closer when more kills are asked for than that leaves room for).
    const trapSpacing = Math.max(
      1,
      Math.min(3, Math.floor(options.rounds / Math.max(1, options.fanoutKills))),
    );
    const trapRounds = new Set(
      Array.from({ length: options.fanoutKills }, (_, i) => options.rounds - i * trapSpacing),
    );
    // About twenty batches per fan-out, so a worker can die between two of them.
    const fanoutBatch = Math.max(5, Math.ceil(seeded.length / 20));
    for (let round = 1; round <= options.rounds; round++) {
      if (round > 1) {
        // Half a day to two days: new rows arrive, pending rows book in place, vanish or are replaced.
        const minutes = Math.min(720 + Math.floor(random() * 2160), 28 * 1440 - clockAdvancedMinutes);
        sandbox.control.advanceClock({ advanceMinutes: minutes });
        clockAdvancedMinutes += minutes;
      }
      if (trapRounds.has(round)) fanoutTrap.arm();
      await triggerFanout(observer, fanoutBatch);
      fanouts++;
      customers.launch(Math.min(paymentsPerRound, options.payments - customers.orders.length));
      const roundEnd = Date.now() + options.roundSeconds * 1000;
      let kills = 0;
      while (Date.now() < roundEnd) {
        if (options.killEverySeconds <= 0) {
          await sleep(roundEnd - Date.now());
          break;
        }
        // Exponential gaps: kills land at arbitrary points of a sync (mid-page, mid-commit, idle).
        const gap = -Math.log(1 - random()) * options.killEverySeconds * 1000;
        await sleep(Math.min(gap, Math.max(0, roundEnd - Date.now())));
        if (Date.now() >= roundEnd) break;
        const victim = workers[Math.floor(random() * workers.length)] as ManagedProcess;
        await victim.kill();
        await fanoutTrap.killed(victim);
        kills++;
        await sleep(200 + random() * 1800);
        victim.start();
      }
      const counts = await queueCounts(sql);
      say(
        `round ${round}/${options.rounds}: fan-out sent, ${kills} kills, clock +${clockAdvancedMinutes} min; ` +
          `queue: ${counts.queued} queued, ${counts.active} active, ${counts.retrying} retrying`,
      );
    }
    await fanoutTrap.disarm();
    await customers.drain();
    phase('chaos');

    sandbox.control.setFaults({ rate: 0 });
    for (const worker of workers) if (!worker.running) worker.start();
    // A day and a little more: every payment approved during the chaos is past its settlement.
    sandbox.control.advanceClock({ advanceMinutes: 1_450 });
    clockAdvancedMinutes += 1_450;
    const paymentsForwarded = await settlePayments();
    say(`payments settled (${paymentsForwarded} polls fast-forwarded)`);
    let retriesFastForwarded = await settle();
    say(`settled after faults off (${retriesFastForwarded} retries fast-forwarded)`);
    await triggerFanout(observer, fanoutBatch);
    fanouts++;
    retriesFastForwarded += await settle();
    say('clean fan-out settled');
    phase('settle');

    const comparison = emptyComparison();
    const byCredentials = new Map(seeded.map((c) => [c.credentialsId, c]));
    for (let i = 0; i < seeded.length; i += 50) {
      const batch = seeded.slice(i, i + 50);
      const rows = await sql(
        `select a.user_skill_id as "consentId", a.finqware_account_id as "finqwareAccountId", t.utx_id as "utxId",
                t.finqware_id as "finqwareId", t.status, t.amount::text as amount,
                t.credit_debit_indicator as "creditDebitIndicator", t.currency,
                (extract(epoch from t.booking_date) * 1000)::bigint::text as "bookingDateMs"
           from transactions t join accounts a on a.id = t.account_id
          where a.user_skill_id = any(?::uuid[])`,
        [`{${batch.map((c) => c.consentId).join(',')}}`],
      );
      const stored = new Map<string, StoredTransaction[]>();
      for (const row of rows) {
        const list = stored.get(String(row.consentId)) ?? [];
        list.push({ ...(row as unknown as StoredTransaction), bookingDateMs: Number(row.bookingDateMs) });
        stored.set(String(row.consentId), list);
      }
      for (const consent of batch) {
        const truth = sandbox.control.truth({ credentialsId: consent.credentialsId }).consents[0];
        if (!truth || !byCredentials.has(truth.credentialsId)) throw new Error('sandbox lost a consent');
        compareConsent(truth, stored.get(consent.consentId) ?? [], comparison);
      }
    }
    const payments = await comparePayments(sql, sandbox.control.truth({ summary: true }), customers.orders);
    phase('compare');

    const jobs = await jobFigures(sql);
    const syncRuns: Record<string, number> = {};
    for (const row of await sql(`select outcome, count(*)::int as n from sync_runs group by outcome`)) {
      syncRuns[String(row.outcome)] = Number(row.n);
    }
    const consentStatuses: Record<string, number> = {};
    for (const row of await sql(`select status, count(*)::int as n from user_skills group by status`)) {
      consentStatuses[String(row.status)] = Number(row.n);
    }
    const stats = sandbox.control.stats();
    const faultsInjected = Object.values(stats.faults ?? {}).reduce((a, b) => a + Number(b), 0);
    const ok =
      comparison.lost === 0 &&
      comparison.duplicated === 0 &&
      comparison.wrong === 0 &&
      comparison.extra === 0 &&
      payments.double === 0 &&
      payments.lost === 0 &&
      payments.wrong === 0 &&
      payments.notFinal === 0 &&
      (consentStatuses.ACTIVE ?? 0) === seeded.length;
    return {
      options,
      consents: seeded.length,
      users,
      comparison,
      payments,
      jobs,
      syncRuns,
      consentStatuses,
      fanouts,
      workerKills: workers.reduce((n, w) => n + w.kills, 0),
      workerStarts: workers.reduce((n, w) => n + w.starts, 0),
      clockAdvancedMinutes,
      faultsInjected,
      sandboxRequests: stats.total,
      retriesFastForwarded,
      fanoutKills: { ...fanoutTrap.kills },
      settleStallSeconds: stallSeconds,
      logDir,
      workerLogLines,
      workerErrorLines,
      phases,
      wallSeconds: Math.round((performance.now() - wallStart) / 100) / 10,
      ok,
    };
  } finally {
    await Promise.all([...workers, ...(api ? [api] : [])].map((w) => w.stop(10_000)));
    await observer.stop({ graceful: false, close: true }).catch(() => undefined);
    await sandbox.close();
    if (options.keepDatabase && process.env.DATABASE_URL) say(`database kept: ${db.url}`);
    else {
      if (options.keepDatabase)
        say('database not kept: it was on an embedded server (set DATABASE_URL to keep it)');
      await db.drop();
      await stopTestServer();
    }
  }

  /**
   * Waits until every payment is final (twice in a row): polls run now instead of after their
   * backoff, and the sweep ends PENDING payments that can no longer be authorised. Fails when
   * payments stay unfinished for `stallSeconds` with nothing moving.
   */
  async function settlePayments(): Promise<number> {
    let forwarded = 0;
    let quiet = 0;
    let last = -1;
    let movedAt = Date.now();
    while (quiet < 2) {
      for (const worker of workers) if (!worker.running) worker.start();
      forwarded += await fastForwardPayments(sql);
      await observer.send(QUEUES.paymentSweep, {});
      const open = await unfinishedPayments(sql);
      if (open !== last) {
        last = open;
        movedAt = Date.now();
      }
      quiet = open === 0 ? quiet + 1 : 0;
      if (Date.now() - movedAt > stallSeconds * 1000) {
        throw new Error(`payments stuck: ${open} not final after ${stallSeconds} s without progress`);
      }
      await sleep(1_000);
    }
    return forwarded;
  }

  /**
   * Waits until no fan-out and no consent sync is queued, retrying or running (twice in a row).
   * Fails when no job has moved for `stallSeconds` (derived from the queues' failure detection),
   * naming each unfinished job and why it is not moving.
   */
  async function settle(): Promise<number> {
    let forwarded = 0;
    let quiet = 0;
    let fingerprint = '';
    let movedAt = Date.now();
    let saidAt = Date.now();
    while (quiet < 2) {
      for (const worker of workers) if (!worker.running) worker.start();
      forwarded += await fastForwardRetries(sql);
      const counts = await queueCounts(sql);
      const now = await queueFingerprint(sql);
      if (now !== fingerprint) {
        fingerprint = now;
        movedAt = Date.now();
      }
      quiet = counts.fanoutPending + counts.queued + counts.retrying + counts.active === 0 ? quiet + 1 : 0;
      if (Date.now() - movedAt > stallSeconds * 1000) {
        const stuck = await explainStuckJobs(sql);
        throw new Error(
          `queue stuck: no job moved for ${stallSeconds} s (a dead worker's job is back in its queue within ` +
            `${DEAD_WORKER_NOTICED_WITHIN_SECONDS} s): ${JSON.stringify(counts)}\n${stuck.map((line) => `  ${line}`).join('\n')}`,
        );
      }
      if (Date.now() - saidAt > 15_000) {
        say(`settling: ${JSON.stringify(counts)}`);
        saidAt = Date.now();
      }
      await sleep(1_000);
    }
    return forwarded;
  }
}
