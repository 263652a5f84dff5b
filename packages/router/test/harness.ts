import { readFileSync } from 'node:fs';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  consentSyncJob,
  consentSyncSendOptions,
  createQueues,
  createVault,
  DEVELOPMENT_VAULT_KEY,
  QUEUES,
  SANDBOX_TENANT_APP,
} from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { createFinqwareClient } from '@tenant/finqware-client';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '@tenant/finqware-sandbox';
import { TRPCError } from '@trpc/server';
import { PgBoss } from 'pg-boss';
import { expect } from 'vitest';
import { domainVault } from '../src/adapters/domain';
import { pgBossJobs } from '../src/adapters/pg-boss';
import type { SessionCache } from '../src/auth/session-cache';
import { type Context, createContext, type ProcedureObservation } from '../src/context';
import { sql } from '../src/db';
import { defaultRouterConfig, type FinqwarePort, type Logger, type RouterConfig } from '../src/ports';
import { appRouter } from '../src/root';
import { createCallerFactory } from '../src/trpc';

export const CONSENT_SYNC_QUEUE = QUEUES.consentSync;
export const PASSWORD = 'correct horse battery staple';

const catalogPath = new URL('../../finqware-sandbox/catalog.json', import.meta.url);

type LogLine = { level: string; obj: object; msg?: string };

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

/** Loads catalog.json into servicers/skills the way the domain seed does. */
export async function seedCatalogRows(em: EntityManager) {
  const catalog = JSON.parse(readFileSync(catalogPath, 'utf8')) as {
    servicers: { code: string; name: string; country: string }[];
    skills: { code: string; servicer: string; name: string; kind: string; enabled: boolean; flow: unknown }[];
  };
  for (const s of catalog.servicers) {
    await sql(em).run(
      'insert into servicers (code, name, country) values (?, ?, ?) on conflict (code) do nothing',
      [s.code, s.name, s.country],
    );
  }
  for (const k of catalog.skills) {
    await sql(em).run(
      `insert into skills (servicer_id, code, name, kind, enabled, flow)
       select id, ?, ?, ?, ?, ?::jsonb from servicers where code = ? on conflict (code) do nothing`,
      [k.code, k.name, k.kind, k.enabled, JSON.stringify(k.flow), k.servicer],
    );
  }
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;

export async function createHarness(
  options: {
    /** Start a Finqware sandbox and talk to it with the real client (default: no Finqware). */
    sandbox?: boolean | SandboxOptions;
    config?: Partial<RouterConfig>;
    clock?: () => Date;
    /** Share one session cache between calls, as an api process does (default: none). */
    sessions?: SessionCache;
  } = {},
) {
  const db: TestDatabase = await createTestDatabase();
  const sandbox: RunningSandbox | undefined = options.sandbox
    ? await startSandbox(options.sandbox === true ? {} : options.sandbox)
    : undefined;
  const fq: FinqwarePort = sandbox
    ? createFinqwareClient({ baseUrl: sandbox.apiUrl, ...SANDBOX_TENANT_APP, retry: false, timeoutMs: 5_000 })
    : noFinqware;
  await seedCatalogRows(db.orm.em.fork());
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
  const createCaller = createCallerFactory(appRouter);

  /** Context for one call: its own EntityManager fork, as the api does per request. */
  function context(token?: string, ip = '203.0.113.7'): Context {
    return createContext({
      em: db.orm.em.fork() as EntityManager,
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

  function caller(token?: string, ip?: string) {
    return createCaller(() => context(token, ip));
  }

  let users = 0;
  async function signUp(email = `user${++users}-${Date.now()}@example.com`) {
    const result = await caller().auth.register({ email, password: PASSWORD });
    return { ...result, api: caller(result.token) };
  }

  const em = () => db.orm.em.fork() as EntityManager;

  async function queuedSyncJobs(consentId?: string) {
    const rows = await sql(em()).all<{ id: string; data: { consentId: string; reason: string } }>(
      `select id, data from pgboss.job where name = ? order by created_on`,
      [CONSENT_SYNC_QUEUE],
    );
    return consentId ? rows.filter((r) => r.data.consentId === consentId) : rows;
  }

  async function skillId(code: string) {
    const row = await sql(em()).one<{ id: string }>('select id from skills where code = ?', [code]);
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

/** The TRPCError a call rejects with (fails the test when it resolves or throws something else). */
export async function rejection(promise: Promise<unknown>): Promise<TRPCError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCError);
  return err as TRPCError;
}
