import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  consentSyncJob,
  consentSyncSendOptions,
  createQueues,
  createVault,
  DEVELOPMENT_VAULT_KEY,
  parseCatalog,
  QUEUES,
  SANDBOX_TENANT_APP,
  seedCatalog,
} from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { createFinqwareClient } from '@tenant/finqware-client';
import { CATALOG, type RunningSandbox, startSandbox } from '@tenant/finqware-sandbox';
import {
  appRouter,
  createCallerFactory,
  createContext,
  defaultRouterConfig,
  domainVault,
  type Logger,
  pgBossJobs,
} from '@tenant/router';
import { PgBoss } from 'pg-boss';

/**
 * The router wired the way the api wires it (real database, real sandbox, real Finqware client,
 * pg-boss on the test database), called in-process. A trimmed copy of packages/router/test/harness.ts,
 * which is not exported; only the package's public API is used here.
 */

export const PASSWORD = 'correct horse battery staple';

/** The in-process caller of the whole router. */
export const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export type LogLine = { level: string; obj: object; msg?: string };

export async function createRouterHarness() {
  const db: TestDatabase = await createTestDatabase();
  await seedCatalog(db.orm.em.fork() as EntityManager, parseCatalog(CATALOG));
  const sandbox: RunningSandbox = await startSandbox();
  const fq = createFinqwareClient({
    baseUrl: sandbox.apiUrl,
    ...SANDBOX_TENANT_APP,
    retry: false,
    timeoutMs: 5_000,
  });
  const boss = new PgBoss({ connectionString: db.url, max: 2, schedule: false, supervise: false });
  boss.on('error', () => undefined);
  await boss.start();
  await createQueues(boss);
  const jobs = pgBossJobs({
    boss,
    queue: QUEUES.consentSync,
    job: (input) => ({ data: consentSyncJob(input), options: consentSyncSendOptions(input.consentId) }),
  });
  const vault = domainVault(createVault([DEVELOPMENT_VAULT_KEY]));
  const logs: LogLine[] = [];
  const logger: Logger = {
    info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => logs.push({ level: 'error', obj, msg }),
    debug: (obj, msg) => logs.push({ level: 'debug', obj, msg }),
  };
  const em = () => db.orm.em.fork() as EntityManager;
  const sql = (text: string, params: unknown[] = []) =>
    em().getConnection().execute(text, params, 'all') as Promise<Record<string, unknown>[]>;

  function caller(token?: string, ip = '203.0.113.7'): Caller {
    return createCaller(() =>
      createContext({
        em: em(),
        fq,
        jobs,
        vault,
        config: defaultRouterConfig,
        logger,
        requestMeta: { ip, headers: token ? { authorization: `Bearer ${token}` } : {} },
      }),
    );
  }

  async function signUp(): Promise<{ token: string; user: { id: string; email: string }; api: Caller }> {
    const result = await caller().auth.register({
      email: `u-${randomUUID()}@example.test`,
      password: PASSWORD,
    });
    return { ...result, api: caller(result.token) };
  }

  async function skillId(code: string): Promise<string> {
    const [row] = await sql('select id from skills where code = ?', [code]);
    if (!row) throw new Error(`no skill ${code}`);
    return String(row.id);
  }

  /** A user with a consent, an account, balances, transactions, a sync run and an open connect session. */
  async function userWithData() {
    const user = await signUp();
    const skill = await skillId('bt_ro_aisp_sbx_#2.0');
    const { consentId } = await em().transactional((tem) =>
      vault.storeConsent(tem as EntityManager, {
        userId: user.user.id,
        skillId: skill,
        credentialsId: `cred-${randomUUID()}`,
        accessToken: `tok-${randomUUID()}`,
        consentExp: new Date('2030-01-01T00:00:00Z'),
        maxDataRetention: null,
      }),
    );
    const [account] = await sql(
      `insert into accounts (user_skill_id, user_id, finqware_account_id, servicer_name, iban, currency, name, raw)
       values (?, ?, ?, 'Banca Transilvania', 'RO49AAAA1B31007593840000', 'RON', 'Current', '{}'::jsonb) returning id`,
      [consentId, user.user.id, randomUUID()],
    );
    const accountId = String(account?.id);
    for (let i = 0; i < 30; i++) {
      const amount = `${i % 3 === 0 ? '' : '-'}${(i * 7.25 + 1).toFixed(2)}`;
      await sql(
        `insert into transactions (account_id, user_id, utx_id, finqware_id, status, amount, credit_debit_indicator,
           currency, booking_date, description, counterparty, raw)
         values (?, ?, ?, ?, ?, ?::numeric, ?, 'RON', ?::timestamptz, ?, ?, '{}'::jsonb)`,
        [
          accountId,
          user.user.id,
          randomUUID(),
          randomUUID(),
          i % 5 === 0 ? 'pending' : 'booked',
          amount,
          amount.startsWith('-') ? 'debit' : 'credit',
          new Date(Date.UTC(2025, 0, 1 + i, 10)).toISOString(),
          `payment ${i} ü 🙂`,
          `shop ${i % 4}`,
        ],
      );
    }
    await sql(
      `insert into balances (account_id, finqware_balance_id, type, amount, credit_debit_indicator, currency,
         reference_date, finqware_timestamp, raw)
       values (?, ?, 'closingBooked', 100.5, 'credit', 'RON', '2025-02-01', '2025-02-01', '{}'::jsonb)`,
      [accountId, randomUUID()],
    );
    await sql(`insert into sync_runs (user_skill_id, reason, outcome) values (?, 'initial', 'SUCCEEDED')`, [
      consentId,
    ]);
    const started = await user.api.connect.start({ skillId: skill });
    if (started.status !== 'IN_PROGRESS') throw new Error('connect.start gave no step');
    return {
      ...user,
      ids: { consent: consentId, account: accountId, session: started.sessionId, step: started.step.id },
    };
  }

  /** Row counts of every table a procedure can write (and the job queue). */
  async function snapshot(): Promise<Record<string, number>> {
    const tables = [
      'users',
      'auth_tokens',
      'login_failures',
      'user_skills',
      'accounts',
      'balances',
      'transactions',
      'sessions',
      'steps',
      'sync_runs',
      'servicers',
      'skills',
      'pgboss.job',
    ];
    const rows = await sql(
      tables.map((t) => `select '${t}' as t, count(*)::int as n from ${t}`).join(' union all '),
    );
    return Object.fromEntries(rows.map((r) => [String(r.t), Number(r.n)]));
  }

  return {
    db,
    sandbox,
    logs,
    caller,
    signUp,
    userWithData,
    skillId,
    snapshot,
    sql,
    async close() {
      await boss.stop({ graceful: false }).catch(() => undefined);
      await sandbox.close();
      await db.drop();
    },
  };
}

export type RouterHarness = Awaited<ReturnType<typeof createRouterHarness>>;
