import type { MikroORM } from '@mikro-orm/postgresql';
import { QUEUES, SUPERVISION } from '@tenant/domain';
import { PgBoss } from 'pg-boss';

/**
 * The soak's own view of the job queue: it triggers fan-outs the way the cron does (a
 * `sync-fanout` job that a worker picks up), watches the queues until they settle, and reads
 * the retry and dead-letter figures. It never works a job itself.
 */

export type Sql = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export function sqlOf(orm: MikroORM): Sql {
  return (text, params = []) =>
    orm.em.getConnection().execute(text, params, 'all') as Promise<Record<string, unknown>[]>;
}

export async function startObserver(url: string): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    max: 3,
    schedule: false,
    // Supervises like a worker does, no faster: the soak measures the real failure detection.
    ...SUPERVISION,
    application_name: 'tenant-soak',
  });
  boss.on('error', () => undefined);
  await boss.start();
  return boss;
}

/**
 * Sends a fan-out the way the cron does, in batches small enough that a worker can be killed
 * between two of them. Null when one is already queued (the stately queue collapses it).
 */
export async function triggerFanout(boss: PgBoss, batchSize: number): Promise<string | null> {
  return boss.send(QUEUES.syncFanout, { batchSize });
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
 * Moves waiting retries to now. Only used once faults are off, to compress the queues' real
 * backoff (30 s doubling to 30 min) into a bounded run; what a retry does is unchanged, and so is
 * how long a dead worker's job takes to become a retry.
 */
export async function fastForwardRetries(sql: Sql): Promise<number> {
  const rows = await sql(
    `update pgboss.job set start_after = now()
      where name = any(?::text[]) and state = 'retry' and start_after > now() returning id`,
    [`{${QUEUES.consentSync},${QUEUES.syncFanout}}`],
  );
  return rows.length;
}

/**
 * What changes whenever a job of the soak's queues moves: counts by queue and state, and the
 * attempts taken. Equal twice means nothing was enqueued, taken, finished or retried meanwhile.
 */
export async function queueFingerprint(sql: Sql): Promise<string> {
  const rows = await sql(
    `select name, state, count(*)::int as n, sum(retry_count)::int as attempts from pgboss.job
      where name = any(?::text[]) group by name, state order by name, state`,
    [`{${QUEUES.consentSync},${QUEUES.syncFanout}}`],
  );
  return JSON.stringify(rows);
}

type StateCounts = { jobs: number; retried: number; byState: Record<string, number> };

/** A queue's jobs by state, and its retries (attempts after each job's first). */
async function stateCounts(sql: Sql, queue: string): Promise<StateCounts> {
  const counts: StateCounts = { jobs: 0, retried: 0, byState: {} };
  for (const row of await sql(
    `select state, count(*)::int as n, coalesce(sum(retry_count), 0)::int as retries
       from pgboss.job where name = ? group by state`,
    [queue],
  )) {
    counts.byState[String(row.state)] = Number(row.n);
    counts.jobs += Number(row.n);
    counts.retried += Number(row.retries);
  }
  return counts;
}

export type JobFigures = StateCounts & { deadLettered: number; fanouts: StateCounts };

export async function jobFigures(sql: Sql): Promise<JobFigures> {
  const [dead] = await sql(`select count(*)::int as n from pgboss.job where name = ?`, [
    QUEUES.consentSyncDeadLetter,
  ]);
  return {
    ...(await stateCounts(sql, QUEUES.consentSync)),
    deadLettered: Number(dead?.n ?? 0),
    fanouts: await stateCounts(sql, QUEUES.syncFanout),
  };
}
