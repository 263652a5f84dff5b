import type { MikroORM } from '@mikro-orm/postgresql';
import { QUEUES } from '@tenant/domain';
import { PgBoss } from 'pg-boss';

/**
 * The soak's own view of the job queue: it triggers fan-outs the way the cron does (a
 * `sync-fanout` job that a worker picks up), watches the queues until they settle, and reads
 * the retry and dead-letter figures. It never works a job itself.
 */

type Sql = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export function sqlOf(orm: MikroORM): Sql {
  return (text, params = []) =>
    orm.em.getConnection().execute(text, params, 'all') as Promise<Record<string, unknown>[]>;
}

export async function startObserver(url: string): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    max: 3,
    schedule: false,
    // Supervision (expiry, missed heartbeats) is shared by every instance on the database; the
    // soak runs it often so a killed worker's jobs come back within seconds, not a minute.
    supervise: true,
    superviseIntervalSeconds: 2,
    application_name: 'tenant-soak',
  });
  boss.on('error', () => undefined);
  await boss.start();
  return boss;
}

/** Heartbeat the soak puts on consent-sync when the queue has none (see `ensureHeartbeat`). */
export const SOAK_HEARTBEAT_SECONDS = 10;

/**
 * Without a heartbeat, pg-boss only notices a SIGKILLed worker's job when the job's
 * `expireInSeconds` (30 min for consent-sync) runs out; until then the consent cannot be synced
 * at all (its singleton slot is held). Returns the heartbeat the queue had.
 */
export async function ensureHeartbeat(boss: PgBoss): Promise<number | null> {
  const queue = await boss.getQueue(QUEUES.consentSync);
  const had = queue?.heartbeatSeconds ?? null;
  if (!had) await boss.updateQueue(QUEUES.consentSync, { heartbeatSeconds: SOAK_HEARTBEAT_SECONDS });
  return had;
}

export async function triggerFanout(boss: PgBoss): Promise<string | null> {
  return boss.send(QUEUES.syncFanout, {});
}

export type QueueCounts = { fanoutPending: number; queued: number; retrying: number; active: number };

export async function queueCounts(sql: Sql): Promise<QueueCounts> {
  const rows = await sql(
    `select name, state, count(*)::int as n from pgboss.job
      where name in (?, ?) and state in ('created', 'retry', 'active') group by name, state`,
    [QUEUES.consentSync, QUEUES.syncFanout],
  );
  const counts: QueueCounts = { fanoutPending: 0, queued: 0, retrying: 0, active: 0 };
  for (const row of rows) {
    const n = Number(row.n);
    if (row.name === QUEUES.syncFanout) counts.fanoutPending += n;
    else if (row.state === 'created') counts.queued += n;
    else if (row.state === 'retry') counts.retrying += n;
    else counts.active += n;
  }
  return counts;
}

/**
 * Moves waiting retries to now. Only used once faults are off, to compress the queue's real
 * backoff (30 s doubling to 30 min) into a bounded run; what a retry does is unchanged.
 */
export async function fastForwardRetries(sql: Sql): Promise<number> {
  const rows = await sql(
    `update pgboss.job set start_after = now()
      where name = ? and state = 'retry' and start_after > now() returning id`,
    [QUEUES.consentSync],
  );
  return rows.length;
}

export type JobFigures = {
  jobs: number;
  retried: number;
  deadLettered: number;
  byState: Record<string, number>;
};

export async function jobFigures(sql: Sql): Promise<JobFigures> {
  const states = await sql(
    `select state, count(*)::int as n, coalesce(sum(retry_count), 0)::int as retries
       from pgboss.job where name = ? group by state`,
    [QUEUES.consentSync],
  );
  const [dead] = await sql(`select count(*)::int as n from pgboss.job where name = ?`, [
    QUEUES.consentSyncDeadLetter,
  ]);
  const byState: Record<string, number> = {};
  let jobs = 0;
  let retried = 0;
  for (const row of states) {
    byState[String(row.state)] = Number(row.n);
    jobs += Number(row.n);
    retried += Number(row.retries);
  }
  return { jobs, retried, deadLettered: Number(dead?.n ?? 0), byState };
}
