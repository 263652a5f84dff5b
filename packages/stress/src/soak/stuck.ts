import { DEAD_WORKER_NOTICED_WITHIN_SECONDS, QUEUES, SUPERVISION } from '@tenant/domain';
import type { Sql } from './queue';

/**
 * How long the settle phase waits for any job to move before it calls the queue stuck: the time
 * every queue promises to notice a dead worker in (packages/domain/src/jobs.ts), plus one
 * supervision pass of slack. Chaos has stopped by then, so the last job a SIGKILL stranded is
 * back in its queue well within it; what is not is stuck.
 */
export function settleStallSeconds(): number {
  return DEAD_WORKER_NOTICED_WITHIN_SECONDS + SUPERVISION.superviseIntervalSeconds;
}

type Row = {
  id: string;
  name: string;
  state: string;
  attempt: number;
  attempts: number;
  ageS: number;
  runningS: number | null;
  beatS: number | null;
  heartbeatSeconds: number | null;
  expireSeconds: number;
  startsInS: number;
  blockedBy: string | null;
};

const s = (seconds: number | null) => `${Math.round(seconds ?? 0)} s`;

/** Why one unfinished job is not moving, in a sentence. */
export function explainJob(job: Row): string {
  const head = `${job.name} ${job.id} ${job.state} (attempt ${job.attempt + 1} of ${job.attempts})`;
  if (job.state === 'active') {
    const running = `running ${s(job.runningS)}`;
    if (job.heartbeatSeconds === null) {
      return `${head}: ${running} without a heartbeat, so only its expiry (${s(job.expireSeconds)}) frees it if its worker died`;
    }
    const beat = job.beatS ?? job.runningS ?? 0;
    if (beat > job.heartbeatSeconds + SUPERVISION.monitorIntervalSeconds) {
      return (
        `${head}: ${running}, last heartbeat ${s(beat)} ago (limit ${job.heartbeatSeconds} s): its worker is gone, ` +
        `yet no supervision pass failed it (every worker supervises every ${SUPERVISION.superviseIntervalSeconds} s; is one running?)`
      );
    }
    return (
      `${head}: ${running}, heartbeat ${s(beat)} ago: a live worker holds it and has not finished; ` +
      `a hung one is stopped at the expiry (${s(job.expireSeconds)})`
    );
  }
  const waited = `${job.state === 'retry' ? 'retry' : 'queued'} ${s(job.ageS)} ago`;
  if (job.startsInS > 0) return `${head}: ${waited}, not due for another ${s(job.startsInS)}`;
  if (job.blockedBy) {
    return `${head}: ${waited}, waits behind active job ${job.blockedBy} of the same singleton key (stately: one active at a time)`;
  }
  return `${head}: ${waited}, due ${s(-job.startsInS)} ago and no worker took it: is any worker working ${job.name}?`;
}

/** The unfinished jobs of the soak's queues (running ones first, then the oldest), explained. */
export async function explainStuckJobs(sql: Sql, limit = 10): Promise<string[]> {
  const rows = (await sql(
    `select j.id, j.name, j.state::text as state, j.retry_count as attempt, j.retry_limit + 1 as attempts,
            extract(epoch from now() - j.created_on)::float as "ageS",
            extract(epoch from now() - j.started_on)::float as "runningS",
            extract(epoch from now() - j.heartbeat_on)::float as "beatS",
            j.heartbeat_seconds as "heartbeatSeconds", j.expire_seconds as "expireSeconds",
            extract(epoch from j.start_after - now())::float as "startsInS",
            (select b.id from pgboss.job b
              where j.policy = 'stately' and j.state < 'active' and b.name = j.name and b.state = 'active'
                and coalesce(b.singleton_key, '') = coalesce(j.singleton_key, '') limit 1) as "blockedBy"
       from pgboss.job j
      where j.name = any(?::text[]) and j.state in ('created', 'retry', 'active')
      order by j.state = 'active' desc, j.created_on limit ?`,
    [`{${QUEUES.consentSync},${QUEUES.syncFanout}}`, limit],
  )) as unknown as Row[];
  return rows.map(explainJob);
}
