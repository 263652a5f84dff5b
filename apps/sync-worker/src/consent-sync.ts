import type { MikroORM } from '@mikro-orm/postgresql';
import { consentSyncJobSchema, QUEUES } from '@tenant/domain';
import { withLogContext } from '@tenant/runtime';
import type { SyncEngine } from '@tenant/sync-engine';
import type { JobResult, JobWithMetadata, PgBoss } from 'pg-boss';
import type { Logger } from './logger';
import type { WorkerMetrics } from './metrics';

/**
 * The consent-sync handler: one job → one engine run on a fresh EntityManager fork, then the
 * run's error class becomes the job's disposition:
 *
 * | engine disposition | job                                                                  |
 * |--------------------|----------------------------------------------------------------------|
 * | success / skipped  | completed                                                            |
 * | reauth             | completed (the consent is REAUTH_REQUIRED and no longer fanned out)  |
 * | retry              | failed → pg-boss retries with the queue's backoff + jitter           |
 * | retry_after        | failed and its retry moved to now + the server's delay (same tx)     |
 * | dead_letter        | straight to consent-sync-dlq, output = error class + payload shape   |
 */
export function createConsentSyncHandler(deps: {
  orm: MikroORM;
  boss: PgBoss;
  engine: SyncEngine;
  log: Logger;
  metrics?: Pick<WorkerMetrics, 'observeSync'>;
}) {
  const { orm, boss, engine, log } = deps;
  // Our own record of running syncs, so a stopping worker can wait for them (and, past its
  // deadline, abort them between pages) whatever pg-boss's stop decides about its own bookkeeping.
  const running = new Set<Promise<unknown>>();
  const stopping = new AbortController();

  async function runOne(job: JobWithMetadata<unknown>): Promise<JobResult> {
    const parsed = consentSyncJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const output = {
        errorClass: 'client',
        message: 'invalid consent-sync payload',
        issues: parsed.error.issues,
      };
      log.error({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'invalid job payload');
      return { id: job.id, status: 'deadletter', output };
    }
    const { consentId, reason } = parsed.data;
    const em = orm.em.fork();
    const started = performance.now();
    const result = await engine.syncConsent(em, {
      consentId,
      reason,
      jobId: job.id,
      signal: AbortSignal.any([job.signal, stopping.signal]),
      finalAttempt: job.retryCount >= job.retryLimit,
    });
    deps.metrics?.observeSync(result, (performance.now() - started) / 1000);
    // jobId and consentId are on every line already (withLogContext in handle).
    const context = { attempt: job.retryCount };
    if (result.outcome === 'SKIPPED') {
      log.info({ ...context, why: result.reason, status: result.status }, 'consent sync skipped');
      return { id: job.id, status: 'completed', output: result };
    }
    if (result.outcome === 'SUCCEEDED') {
      log.info({ ...context, runId: result.runId, ...result.counts }, 'consent synced');
      return { id: job.id, status: 'completed', output: { runId: result.runId, ...result.counts } };
    }
    const output = { runId: result.runId, ...result.error.toJSON() };
    const { disposition } = result;
    log.warn({ ...context, outcome: result.outcome, ...output }, 'consent sync failed');
    switch (disposition.action) {
      case 'reauth':
        return { id: job.id, status: 'completed', output };
      case 'retry':
        return { id: job.id, status: 'failed', output };
      case 'dead_letter':
        return { id: job.id, status: 'deadletter', output };
      case 'retry_after':
        await failWithDelay(boss, job, disposition.delayMs, output);
        // Already settled above; pg-boss's own completion is fenced to active jobs and does nothing.
        return { id: job.id, status: 'completed', output };
    }
  }

  /** Runs a batch's jobs at once, each settled by its own disposition. */
  function handle(jobs: JobWithMetadata<unknown>[]): Promise<JobResult[]> {
    return Promise.all(jobs.map(handleOne));
  }

  async function handleOne(job: JobWithMetadata<unknown>): Promise<JobResult> {
    // Every line this sync writes (the engine's too) names its job and consent.
    const attempt = withLogContext(jobLogContext(job), () => runOne(job));
    running.add(attempt);
    try {
      return await attempt;
    } catch (err) {
      // The engine records its own failures; reaching here means the database itself failed.
      log.error(
        { jobId: job.id, err: err instanceof Error ? err.message : String(err) },
        'consent sync crashed',
      );
      return { id: job.id, status: 'failed', output: { errorClass: 'internal' } };
    } finally {
      running.delete(attempt);
    }
  }

  /**
   * Waits for running syncs; at `timeoutMs` they are told to stop between pages (their run is
   * recorded RETRYING and the job's retry resumes from the cursor).
   */
  async function drain(timeoutMs: number): Promise<void> {
    const deadline = setTimeout(() => stopping.abort(), timeoutMs);
    await Promise.allSettled([...running]);
    clearTimeout(deadline);
  }

  return { handle, drain };
}

function jobLogContext(job: { id: string; data: unknown }): { jobId: string; consentId?: string } {
  const consentId = (job.data as { consentId?: unknown } | null)?.consentId;
  return typeof consentId === 'string' ? { jobId: job.id, consentId } : { jobId: job.id };
}

/**
 * Honours a server-given delay (429 Retry-After): fails the attempt (so it counts against the
 * retry limit and dead-letters when exhausted) and, in the same transaction, moves the retry's
 * start to now + delay. pg-boss's own backoff would otherwise pick a delay that ignores the server.
 */
export async function failWithDelay(
  boss: PgBoss,
  job: { id: string; retryCount: number },
  delayMs: number,
  output: object,
): Promise<void> {
  const db = boss.getDb();
  if (!db.beginTransaction) throw new Error('pg-boss database adapter cannot open transactions');
  const tx = await db.beginTransaction();
  try {
    await boss.fail(QUEUES.consentSync, { id: job.id, retryCount: job.retryCount }, output, { db: tx.db });
    await boss.update(QUEUES.consentSync, undefined, {
      id: job.id,
      startAfter: new Date(Date.now() + delayMs),
      db: tx.db,
    });
    await tx.commit();
  } catch (err) {
    await tx.rollback();
    throw err;
  }
}
