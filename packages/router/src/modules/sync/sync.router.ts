import type { ErrorClass } from '@tenant/domain';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import type { ErrorClassValue, SyncOutcomeValue, SyncReasonValue } from '../../contract-unions';
import { authedProcedure } from '../../trpc';
import { findOwnedConsent } from '../consents/consents.repository';
import { consentIdInput } from '../consents/consents.schemas';
import { recentRuns } from './sync.repository';

/**
 * What a failed run says to the user, by error class: our words, never the stored error_message,
 * which keeps Finqware's or the bank's own text (it may echo what was sent) for operators.
 */
const RUN_MESSAGES: Record<ErrorClass, string> = {
  consent: 'The bank no longer accepts this connection; connect the bank again.',
  rate_limit: 'Finqware asked us to slow down; the sync will try again shortly.',
  transient: 'Finqware or the bank did not answer in time; the sync will try again.',
  protocol: 'Finqware answered something we could not read; we have been told.',
  client: 'Finqware refused our request; we have been told.',
  internal: 'The sync stopped on our side before it finished; the next one resumes where it stopped.',
};

/** What `sync.runs` answers per run: the procedure's contract with front-ends. */
export type SyncRunView = {
  id: string;
  reason: SyncReasonValue;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: SyncOutcomeValue;
  errorClass: ErrorClassValue | null;
  /** Our own words for the error class, never Finqware's text. */
  errorMessage: string | null;
  accountsSynced: number;
  inserted: number;
  updated: number;
  removed: number;
};

export const syncRouter = {
  /**
   * Live progress of the caller's consent syncs over server-sent events: a RUNNING event when a
   * run starts and after each page it commits (counts so far), then one with its outcome. Only
   * the caller's own consents; nothing is replayed, so a client re-reads state when it connects.
   */
  events: authedProcedure.subscription(async function* ({ ctx, signal }) {
    if (!ctx.syncEvents) {
      throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: 'Live updates are not available here' });
    }
    for await (const event of ctx.syncEvents.subscribe(ctx.user.id, signal ?? new AbortController().signal)) {
      yield {
        consentId: event.consentId,
        runId: event.runId,
        outcome: event.outcome,
        accountsSynced: event.accountsSynced,
        inserted: event.inserted,
        updated: event.updated,
        removed: event.removed,
        at: new Date(event.at),
      };
    }
  }),

  /** The sync ledger of one consent, newest first (the last 100 runs). */
  runs: authedProcedure.input(consentIdInput).query(async ({ ctx, input }): Promise<SyncRunView[]> => {
    const consent = await findOwnedConsent(ctx.em, ctx.user.id, input.consentId);
    const rows = await recentRuns(ctx.em, consent.id, 100);
    return rows.map((row) => ({
      id: row.id,
      reason: row.reason,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      outcome: row.outcome,
      errorClass: row.error_class,
      errorMessage: row.error_class ? RUN_MESSAGES[row.error_class] : null,
      accountsSynced: row.accounts_synced,
      inserted: row.inserted,
      updated: row.updated,
      removed: row.removed,
    }));
  }),
} satisfies TRPCRouterRecord;
