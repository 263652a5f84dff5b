import type { ChildProcess } from 'node:child_process';
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
  type Vault,
} from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { type RunningSandbox, startSandbox } from '@tenant/finqware-sandbox';
import { spawnNode } from '@tenant/spawn';
import { localLines, runSql, truthLines } from '@tenant/sync-engine/testing';
import { PgBoss } from 'pg-boss';

export const SKILL = 'rzb_ro_aisp_sbx_#1.0';
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

export type World = {
  db: TestDatabase;
  sandbox: RunningSandbox;
  vault: Vault;
  em(): EntityManager;
  /** A sandbox consent and its user_skills row (secrets through the vault, as the api stores them). */
  connect(options?: {
    transactionsPerAccount?: number;
  }): Promise<{ consentId: string; credentialsId: string }>;
  /** The worker as a separate process (`src/main.ts`), pointed at this world. */
  spawnWorker(env?: Record<string, string>): WorkerProcess;
  matchesTruth(consent: { consentId: string; credentialsId: string }): Promise<boolean>;
  /** SIGKILLs the worker processes still running, so a failed test leaves none to take later jobs. */
  killWorkers(): Promise<void>;
  close(): Promise<void>;
};

export type WorkerProcess = {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export async function createWorld(options: {
  seed: string;
  transactionsPerAccount?: number;
}): Promise<World> {
  const [db, sandbox] = await Promise.all([
    createTestDatabase({ pool: 4 }),
    startSandbox({
      seed: options.seed,
      history: { transactionsPerAccount: options.transactionsPerAccount ?? 40, days: 60 },
    }),
  ]);
  // The key a worker started with no VAULT_KEYS outside production uses.
  const vault = createVault([DEVELOPMENT_VAULT_KEY]);
  const em = () => db.orm.em.fork() as unknown as EntityManager;
  await seedCatalog(em(), await loadCatalogFile(defaultCatalogPath()));
  const [skill] = await runSql<{ id: string }>(em(), 'SELECT id FROM skills WHERE code = ?', [SKILL]);
  const workers: WorkerProcess[] = [];

  async function killWorkers() {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
  }

  return {
    db,
    sandbox,
    vault,
    em,
    async connect(connectOptions = {}) {
      const tenantUserId = randomUUID();
      const [user] = await runSql<{ id: string }>(
        em(),
        `INSERT INTO users (email, password_hash, tenant_user_id) VALUES (?, 'x', ?) RETURNING id`,
        [`u-${tenantUserId}@example.com`, tenantUserId],
      );
      const minted = sandbox.control.createConsent({
        tenantUserId,
        skill: SKILL,
        ...(connectOptions.transactionsPerAccount
          ? { transactionsPerAccount: connectOptions.transactionsPerAccount }
          : {}),
      });
      const consent = await storeConsent(em(), vault, {
        user: (user as { id: string }).id,
        skill: (skill as { id: string }).id,
        credentialsId: minted.credentialsId,
        accessToken: minted.accessToken,
        consentExp: minted.consentExp,
      });
      return { consentId: consent.id, credentialsId: minted.credentialsId };
    },
    spawnWorker(env = {}) {
      let out = '';
      const child = spawnNode(MAIN, {
        cwd: APP_DIR,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          DATABASE_URL: db.url,
          FINQWARE_BASE_URL: sandbox.apiUrl,
          SYNC_CRON: '0 0 1 1 *',
          SYNC_SPREAD_SECONDS: '0',
          SYNC_CONCURRENCY: '2',
          LOG_LEVEL: 'info',
          // Several workers run at once, beside other test runs: each admin listener on a free port.
          WORKER_ADMIN_PORT: '0',
          ...env,
        },
      });
      child.stdout?.on('data', (chunk) => {
        out += chunk;
      });
      child.stderr?.on('data', (chunk) => {
        out += chunk;
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal })),
      );
      const worker = { child, output: () => out, exited };
      workers.push(worker);
      return worker;
    },
    async matchesTruth(consent) {
      const expected = truthLines(
        sandbox.control.truth({ credentialsId: consent.credentialsId }),
        consent.credentialsId,
      );
      const actual = await localLines(em(), consent.consentId);
      return expected.length > 0 && JSON.stringify(expected) === JSON.stringify(actual);
    },
    killWorkers,
    async close() {
      await killWorkers();
      await Promise.all([db.drop(), sandbox.close()]);
    },
  };
}

/** Polls `probe` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runsOf(em: EntityManager, consentId: string) {
  return runSql<{
    outcome: string;
    errorClass: string | null;
    jobId: string | null;
    startedAt: Date;
    finishedAt: Date | null;
  }>(
    em,
    `SELECT outcome, error_class AS "errorClass", job_id AS "jobId", started_at AS "startedAt", finished_at AS "finishedAt"
       FROM sync_runs WHERE user_skill_id = ? ORDER BY started_at`,
    [consentId],
  );
}

/**
 * The test's own pg-boss, with the queues created; it doubles as a fast supervisor, so a job
 * whose worker died is failed within a second or two of its heartbeat lapsing (workers
 * themselves supervise every 15 s).
 */
export async function startSupervisor(url: string): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
    schedule: false,
    max: 3,
  });
  boss.on('error', () => undefined);
  await boss.start();
  await createQueues(boss);
  return boss;
}
