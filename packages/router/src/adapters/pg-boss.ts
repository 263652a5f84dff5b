import type { EntityManager } from '@mikro-orm/postgresql';
import { paymentStatusSendOptions, QUEUES } from '@tenant/domain';
import { fromKysely, type PgBoss, type SendOptions } from 'pg-boss';
import { sql } from '../db';
import type { SyncJobsPort } from '../ports';

export type PgBossJobsOptions = {
  boss: Pick<PgBoss, 'send'>;
  /** The consent-sync queue name (from the domain job contract). */
  queue: string;
  /** The job payload and send options of the domain job contract. */
  job(input: { consentId: string; reason: 'initial' | 'manual' }): { data: object; options: SendOptions };
  /** pg-boss schema (default `pgboss`). */
  schema?: string;
};

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Enqueues consent syncs with pg-boss. Given a transactional EntityManager, the job row is
 * inserted on that transaction's connection (pg-boss `send(..., { db })` over the transaction's
 * Kysely), so a consent and its first sync commit together or not at all.
 */
export function pgBossJobs(options: PgBossJobsOptions): SyncJobsPort {
  const schema = options.schema ?? 'pgboss';
  if (!IDENTIFIER.test(schema)) throw new Error('pg-boss schema must be a plain identifier');
  return {
    async enqueueConsentSync(input, em?: EntityManager) {
      const { data, options: sendOptions } = options.job(input);
      const inTransaction = em?.getTransactionContext() !== undefined;
      return options.boss.send(
        options.queue,
        data,
        em && inTransaction ? { ...sendOptions, db: fromKysely(em.getKysely()) } : sendOptions,
      );
    },
    async enqueuePaymentStatus(paymentId, em: EntityManager) {
      return options.boss.send(
        QUEUES.paymentStatus,
        { paymentId },
        paymentStatusSendOptions(paymentId, { db: fromKysely(em.getKysely()) }),
      );
    },
    async manualSyncCooldown(consentId, cooldownSeconds, em: EntityManager) {
      const row = await sql(em).one<{ remaining: string | null }>(
        `select extract(epoch from max(created_on) + make_interval(secs => ?) - now())::text as remaining
           from ${schema}.job
          where name = ? and data->>'consentId' = ? and data->>'reason' = 'manual'`,
        [cooldownSeconds, options.queue, consentId],
      );
      return Math.max(0, Number(row?.remaining ?? 0));
    },
  };
}
