import type { EntityManager } from '@mikro-orm/postgresql';
import { paymentStatusSendOptions, QUEUES } from '@tenant/domain';
import { fromKysely, type PgBoss, type SendOptions } from 'pg-boss';
import type { SyncJobsPort } from '../ports';

export type PgBossJobsOptions = {
  boss: Pick<PgBoss, 'send'>;
  /** The consent-sync queue name (from the domain job contract). */
  queue: string;
  /** The job payload and send options of the domain job contract. */
  job(input: { consentId: string; reason: 'initial' | 'manual' }): { data: object; options: SendOptions };
};

/**
 * Enqueues consent syncs with pg-boss. Given a transactional EntityManager, the job row is
 * inserted on that transaction's connection (pg-boss `send(..., { db })` over the transaction's
 * Kysely), so a consent and its first sync commit together or not at all.
 */
export function pgBossJobs(options: PgBossJobsOptions): SyncJobsPort {
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
  };
}
