import type { EntityManager } from '@mikro-orm/postgresql';
import { db, type Placeholders, preparedQuery, type SyncReason } from '@tenant/domain';
import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { ErrorClass } from '../errors';
import { notifyOf, syncEvent, syncEventWithoutUser, withUserOf } from './sync-events';

/** Consent gone at Finqware: stop syncing it until the user consents again. */
export async function markReauthRequired(em: EntityManager, consentId: string): Promise<void> {
  await db(em)
    .updateTable('user_skills')
    .set({ status: 'REAUTH_REQUIRED', last_sync_outcome: 'REAUTH_REQUIRED', updated_at: sql<Date>`now()` })
    .where('id', '=', consentId)
    .where('status', '=', 'ACTIVE')
    .execute();
}

export type RunOutcome = 'SUCCEEDED' | 'FAILED' | 'RETRYING' | 'REAUTH_REQUIRED';

/** How a run ends when it does not succeed (a run that succeeds ends with its last page). */
export type UnsuccessfulOutcome = Exclude<RunOutcome, 'SUCCEEDED'>;

export type RunCounts = { accountsSynced: number; inserted: number; updated: number; removed: number };

const ABANDONED =
  'abandoned: its job went back to the queue before it finished (worker died or heartbeat lapsed); the next run resumed from the cursor';

type OpenRunValues = {
  runId: string;
  consentId: string;
  jobId: string | null;
  reason: SyncReason;
  startedEvent: string;
};

/** openRun's statement, built and compiled once (preparedQuery): it runs once a sync. */
const openRunStatement = preparedQuery((k, p: Placeholders<OpenRunValues>) =>
  k
    .with('consent', (qc) =>
      qc
        .selectFrom('user_skills as us')
        .innerJoin('users as u', 'u.id', 'us.user_id')
        .select([
          'us.id',
          'us.user_id as userId',
          'u.tenant_user_id as tenantUserId',
          'us.status',
          'us.sync_cursor as syncCursor',
          'us.credentials_id_enc',
          'us.access_token_enc',
        ])
        .where('us.id', '=', p.consentId),
    )
    .with('abandoned', (qc) =>
      qc
        .updateTable('sync_runs')
        .set({
          outcome: 'FAILED',
          error_class: 'internal',
          finished_at: sql<Date>`now()`,
          updated_at: sql<Date>`now()`,
          error_message: ABANDONED,
        })
        .where('user_skill_id', '=', p.consentId)
        .where('outcome', '=', 'RUNNING')
        .where((eb) => eb.exists(eb.selectFrom('consent').select('id').where('status', '=', 'ACTIVE'))),
    )
    .with('run', (qc) =>
      qc
        .insertInto('sync_runs')
        .columns([
          'id',
          'user_skill_id',
          'job_id',
          'reason',
          'started_at',
          'outcome',
          'accounts_synced',
          'inserted',
          'updated',
          'removed',
        ])
        .expression((eb) =>
          eb
            .selectFrom('consent')
            .select([
              sql<string>`${p.runId}::uuid`.as('id'),
              'consent.id as user_skill_id',
              sql<string | null>`${p.jobId}::uuid`.as('job_id'),
              sql<string>`${p.reason}`.as('reason'),
              sql<Date>`now()`.as('started_at'),
              sql<string>`'RUNNING'`.as('outcome'),
              sql<number>`0`.as('accounts_synced'),
              sql<number>`0`.as('inserted'),
              sql<number>`0`.as('updated'),
              sql<number>`0`.as('removed'),
            ])
            .where('consent.status', '=', 'ACTIVE'),
        )
        .returning('id'),
    )
    .with('started', (qc) =>
      qc
        .selectFrom(['run', 'consent'])
        .select(notifyOf(withUserOf(p.startedEvent, sql<string>`consent."userId"`)).as('sent')),
    )
    .selectFrom('consent')
    .select((eb) => [
      'consent.id',
      'consent.userId',
      'consent.tenantUserId',
      'consent.status',
      'consent.syncCursor',
      'consent.credentials_id_enc',
      'consent.access_token_enc',
      // The RUNNING event is a CTE the outer query must read, or it would never be evaluated.
      eb.selectFrom('started').select(eb.fn.countAll<number>().as('n')).as('opened'),
      jsonArrayFrom(
        eb
          .selectFrom('transactions as t')
          .innerJoin('accounts as a', 'a.id', 't.account_id')
          .select(['t.account_id as accountId', 't.utx_id as utxId'])
          .where('a.user_skill_id', '=', p.consentId)
          .where('t.status', '=', 'pending'),
      ).as('localPending'),
    ]),
);

/**
 * Opens a consent's sync run in ONE statement (each round trip is most of a short sync's cost):
 * it reads the consent with its user, cursor, sealed secrets and local pending rows and, if the
 * consent is ACTIVE, closes a run of it still RUNNING, inserts this run and sends its RUNNING
 * event. Null when the consent is gone; `opened` is false when it is not ACTIVE.
 *
 * A run still RUNNING when a new one of its consent starts belongs to an attempt pg-boss gave up
 * on: its worker died (SIGKILL, OOM, lost host), or its job's heartbeat lapsed on a starved worker
 * and this is the retry. It is closed here, or the ledger would show it running forever; a live
 * one writes nothing more from then on (its page statements are fenced on a RUNNING run), and
 * this run resumes from the cursor.
 */
export async function openRun(
  em: EntityManager,
  run: { runId: string; consentId: string; jobId: string | null; reason: SyncReason },
) {
  const [row] = await openRunStatement(em, {
    ...run,
    startedEvent: syncEventWithoutUser({
      consentId: run.consentId,
      runId: run.runId,
      outcome: 'RUNNING',
      accountsSynced: 0,
      inserted: 0,
      updated: 0,
      removed: 0,
    }),
  });
  if (!row) return null;
  const { opened, ...consent } = row;
  return { ...consent, opened: Number(opened) === 1 };
}

export type SyncedConsent = NonNullable<Awaited<ReturnType<typeof openRun>>>;

/**
 * Records the end of a run that did not succeed, the consent's last outcome and the run's final
 * event in ONE statement (a run that succeeds ends with its last page: writeLastPage). Only a run
 * still RUNNING is finished: one a newer run closed (openRun) keeps that record, and the
 * consent's last outcome and live status are the newer run's. Returns whether it finished.
 */
export async function finishRun(
  em: EntityManager,
  run: { runId: string; consentId: string; userId: string },
  result: { outcome: UnsuccessfulOutcome; counts: RunCounts; errorClass: ErrorClass; errorMessage: string },
): Promise<boolean> {
  const { outcome, counts } = result;
  const [row] = await finishRunStatement(em, {
    runId: run.runId,
    consentId: run.consentId,
    outcome,
    errorClass: result.errorClass,
    errorMessage: result.errorMessage.slice(0, 1000),
    ...counts,
    endedEvent: syncEvent({
      userId: run.userId,
      consentId: run.consentId,
      runId: run.runId,
      outcome,
      ...counts,
    }),
  });
  return Number(row?.n) === 1;
}

type FinishRunValues = RunCounts & {
  runId: string;
  consentId: string;
  outcome: UnsuccessfulOutcome;
  errorClass: ErrorClass;
  errorMessage: string;
  endedEvent: string;
};

/** finishRun's statement, built and compiled once (preparedQuery). */
const finishRunStatement = preparedQuery((k, p: Placeholders<FinishRunValues>) =>
  k
    .with('finished', (qc) =>
      qc
        .updateTable('sync_runs')
        .set({
          finished_at: sql<Date>`now()`,
          outcome: p.outcome,
          error_class: p.errorClass,
          error_message: p.errorMessage,
          accounts_synced: p.accountsSynced,
          inserted: p.inserted,
          updated: p.updated,
          removed: p.removed,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', p.runId)
        .where('outcome', '=', 'RUNNING')
        .returning('id'),
    )
    .with('consent', (qc) =>
      qc
        .updateTable('user_skills')
        .set({ last_sync_outcome: p.outcome, updated_at: sql<Date>`now()` })
        .where('id', '=', p.consentId)
        .where((eb) => eb.exists(eb.selectFrom('finished').select('id'))),
    )
    .with('ended', (qc) => qc.selectFrom('finished').select(notifyOf(p.endedEvent).as('sent')))
    .selectFrom('ended')
    .select((eb) => eb.fn.countAll<number>().as('n')),
);
