import type { EntityManager } from '@mikro-orm/postgresql';
import {
  consentSyncJob,
  consentSyncSendOptions,
  createQueues,
  createVault,
  DEVELOPMENT_VAULT_KEY,
  db as kysely,
  parseCatalog,
  QUEUES,
  SANDBOX_TENANT_APP,
  seedCatalog,
  type Vault,
} from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { createFinqwareClient } from '@tenant/finqware-client';
import { CATALOG, type RunningSandbox, type SandboxOptions, startSandbox } from '@tenant/finqware-sandbox';
import { PgBoss } from 'pg-boss';
import { domainVault } from '../adapters/domain';
import { pgBossJobs } from '../adapters/pg-boss';
import type { SessionCache } from '../auth/session-cache';
import { type Context, createContext, type ProcedureObservation } from '../context';
import {
  defaultRouterConfig,
  type FinqwarePort,
  type Logger,
  type RouterConfig,
  type SyncJobsPort,
} from '../ports';
import { appRouter, type ServerAppRouter } from '../root';
import { createCallerFactory } from '../trpc';

/**
 * The router wired the way the api wires it, called in-process: a fresh test database, pg-boss on
 * it, the development vault key, the catalog seeded, and optionally a Finqware sandbox reached
 * through the real client. Each call gets its own context and EntityManager fork, as a request does.
 */

export const CONSENT_SYNC_QUEUE = QUEUES.consentSync;
/** The password signUp() registers every user with (long enough for the router's rule). */
export const PASSWORD = 'correct horse battery staple';

export type LogLine = { level: string; obj: object; msg?: string };

/** A pino-compatible logger that appends every line to `lines`, so tests can assert on logs. */
export function captureLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (obj: object, msg?: string) => lines.push({ level, obj, msg });
  return { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

/** A Finqware that must not be called (tests of the read side). */
const noFinqware: FinqwarePort = new Proxy({} as FinqwarePort, {
  get() {
    throw new Error('this test has no Finqware');
  },
});

// Built once: the factory only walks the router definition.
const createCaller = createCallerFactory(appRouter);

/**
 * An in-process client of the whole router, calling with one bearer token (or none). Named through
 * the router's type so the built declarations reference the router's type instead of spelling it out.
 */
export type RouterCaller = ReturnType<ServerAppRouter['createCaller']>;

export type SignedUpUser = Awaited<ReturnType<RouterCaller['auth']['register']>> & { api: RouterCaller };

export type QueuedSyncJob = { id: string; data: { consentId: string; reason: string } };

export interface HarnessOptions {
  /** Start a Finqware sandbox and talk to it with the real client (default: no Finqware). */
  sandbox?: boolean | SandboxOptions;
  config?: Partial<RouterConfig>;
  clock?: () => Date;
  /** Share one session cache between calls, as an api process does (default: none). */
  sessions?: SessionCache;
}

export interface Harness {
  db: TestDatabase;
  sandbox: RunningSandbox | undefined;
  fq: FinqwarePort;
  boss: PgBoss;
  jobs: SyncJobsPort;
  vault: Vault;
  config: RouterConfig;
  /** Every line any call logged. */
  logs: LogLine[];
  /** What each call reported through the context's `observe`. */
  observations: ProcedureObservation[];
  /** The context of one call (default client address 203.0.113.7). */
  context(token?: string, ip?: string): Context;
  caller(token?: string, ip?: string): RouterCaller;
  /** Registers a user, from an address no other sign-up used, and returns its token with a caller using it. */
  signUp(email?: string): Promise<SignedUpUser>;
  /** A fresh EntityManager fork on the test database. */
  em(): EntityManager;
  /** consent-sync jobs in pg-boss (any state), oldest first, optionally of one consent. */
  queuedSyncJobs(consentId?: string): Promise<QueuedSyncJob[]>;
  /** The id of a catalog skill by code (throws when it is not seeded). */
  skillId(code: string): Promise<string>;
  /** Stops pg-boss and the sandbox, then drops the database. */
  close(): Promise<void>;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const sandbox = options.sandbox
    ? await startSandbox(options.sandbox === true ? {} : options.sandbox)
    : undefined;
  const fq: FinqwarePort = sandbox
    ? createFinqwareClient({ baseUrl: sandbox.apiUrl, ...SANDBOX_TENANT_APP, retry: false, timeoutMs: 5_000 })
    : noFinqware;
  // The sandbox's catalog, seeded as the api's deployment seeds it, so skill codes match the sandbox.
  await seedCatalog(db.orm.em.fork() as EntityManager, parseCatalog(CATALOG));
  const boss = new PgBoss({ connectionString: db.url, max: 2, schedule: false, supervise: false });
  boss.on('error', () => undefined);
  await boss.start();
  await createQueues(boss);
  const jobs = pgBossJobs({
    boss,
    queue: CONSENT_SYNC_QUEUE,
    job: (input) => ({ data: consentSyncJob(input), options: consentSyncSendOptions(input.consentId) }),
  });
  const vault = createVault([DEVELOPMENT_VAULT_KEY]);
  const logs: LogLine[] = [];
  const observations: ProcedureObservation[] = [];
  const config: RouterConfig = { ...defaultRouterConfig, ...options.config };
  const em = () => db.orm.em.fork() as EntityManager;

  function context(token?: string, ip = '203.0.113.7'): Context {
    return createContext({
      em: em(),
      fq,
      jobs,
      vault: domainVault(vault),
      config,
      logger: captureLogger(logs),
      clock: options.clock,
      observe: (o) => observations.push(o),
      sessions: options.sessions,
      requestMeta: { ip, headers: token ? { authorization: `Bearer ${token}` } : {} },
    });
  }

  function caller(token?: string, ip?: string): RouterCaller {
    return createCaller(() => context(token, ip));
  }

  let users = 0;
  let signUps = 0;
  async function signUp(email = `user${++users}-${Date.now()}@example.com`): Promise<SignedUpUser> {
    // Each from an address of its own (198.18.0.0/15, for benchmarks), so the per-address
    // registration limit is the business of the tests about it only.
    const address = `198.18.${(signUps >> 8) & 255}.${signUps++ & 255}`;
    const result = await caller(undefined, address).auth.register({ email, password: PASSWORD });
    return { ...result, api: caller(result.token) };
  }

  async function queuedSyncJobs(consentId?: string): Promise<QueuedSyncJob[]> {
    const jobs = await boss.findJobs<QueuedSyncJob['data']>(
      CONSENT_SYNC_QUEUE,
      consentId ? { data: { consentId } } : {},
    );
    return jobs.map((job) => ({ id: job.id, data: job.data }));
  }

  async function skillId(code: string): Promise<string> {
    const row = await kysely(em())
      .selectFrom('skills')
      .select('id')
      .where('code', '=', code)
      .executeTakeFirst();
    if (!row) throw new Error(`no skill ${code}`);
    return row.id;
  }

  return {
    db,
    sandbox,
    fq,
    boss,
    jobs,
    vault,
    config,
    logs,
    observations,
    context,
    caller,
    signUp,
    em,
    queuedSyncJobs,
    skillId,
    async close() {
      await boss.stop({ graceful: false }).catch(() => undefined);
      await sandbox?.close();
      await db.drop();
    },
  };
}
