import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SyncReason } from '@tenant/domain';
import {
  afterBackfill,
  afterWalk,
  type BackfillCursor,
  duringWalk,
  type IncrementalCursor,
  laterOf,
  parseCursor,
  type SyncCursor,
} from './cursor';
import { classifyError, type Disposition, SyncAbortedError, type SyncError } from './errors';
import type { DataAuth, FinqwarePort, FqTransaction, TransactionPage } from './finqware';
import { upsertAccountsAndBalances } from './writers/accounts';
import { finishRun, markReauthRequired, openRun, type RunCounts, type RunOutcome } from './writers/consents';
import { notify, syncEvent } from './writers/sync-events';
import {
  type TransactionRow,
  toTransactionRow,
  transactionKey,
  writeLastPage,
  writeTransactionPage,
} from './writers/transactions';

/** pino-compatible, and optional. */
export type EngineLogger = {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
};

/**
 * Opens a consent's Finqware credentials from its sealed columns (the vault decrypts them; the
 * engine never stores them). The engine reads the columns with the rest of the consent.
 */
export type ConsentSecretsReader = (sealed: {
  id: string;
  credentials_id_enc: string;
  access_token_enc: string;
}) => ConsentSecrets | Promise<ConsentSecrets>;

type ConsentSecrets = { credentialsId: string; accessToken: string };

export type SyncEngineOptions = {
  /** How far back each incremental walk starts before the previous one ended (SYNC_OVERLAP_MINUTES). */
  overlapMinutes: number;
  /** Rows per page the client's adaptive windows aim at; bounds the engine's memory. */
  targetPageSize?: number;
  now?: () => Date;
  logger?: EngineLogger;
  /** Called after each page is committed (benchmarks, progress). */
  onPageCommitted?: (page: {
    rows: number;
    mapMs: number;
    writeMs: number;
    phase: SyncCursor['phase'];
  }) => void;
};

export type SyncEngineDeps = {
  finqware: FinqwarePort;
  readSecrets: ConsentSecretsReader;
  options: SyncEngineOptions;
};

/**
 * One sync of one consent. Its live status (RUNNING when it starts and as pages commit, then its
 * outcome) is NOTIFYed by the engine itself for the api (writers/sync-events.ts).
 */
export type SyncRequest = {
  consentId: string;
  reason: SyncReason;
  jobId?: string | null;
  /** Aborted when the job must stop (worker shutdown): the engine stops between pages. */
  signal?: AbortSignal;
  /** No retry follows a failure of this attempt: a retryable failure is recorded FAILED, not RETRYING. */
  finalAttempt?: boolean;
};

export type SyncResult =
  | { outcome: 'SKIPPED'; reason: 'not_found' | 'not_active'; status?: string }
  | { outcome: 'SUCCEEDED'; runId: string; counts: RunCounts }
  | {
      outcome: Exclude<RunOutcome, 'SUCCEEDED'>;
      runId: string;
      counts: RunCounts;
      error: SyncError;
      disposition: Disposition;
    };

export type SyncEngine = { syncConsent(em: EntityManager, request: SyncRequest): Promise<SyncResult> };

export function createSyncEngine(deps: SyncEngineDeps): SyncEngine {
  const { finqware, readSecrets, options } = deps;
  const overlapMs = options.overlapMinutes * 60_000;
  const targetPageSize = options.targetPageSize ?? 2000;
  const now = options.now ?? (() => new Date());
  const log = options.logger;

  async function syncConsent(em: EntityManager, request: SyncRequest): Promise<SyncResult> {
    const runId = randomUUID();
    const consent = await openRun(em, {
      runId,
      consentId: request.consentId,
      jobId: request.jobId ?? null,
      reason: request.reason,
    });
    if (!consent) return { outcome: 'SKIPPED', reason: 'not_found' };
    if (!consent.opened) return { outcome: 'SKIPPED', reason: 'not_active', status: consent.status };
    const run = { runId, consentId: consent.id, userId: consent.userId };
    const counts: RunCounts = { accountsSynced: 0, inserted: 0, updated: 0, removed: 0 };
    // Live status is a courtesy: a listener that fails never fails the sync. A RUNNING event that
    // would repeat the last one (a page that changed nothing) is not sent: each is a NOTIFY, and
    // an incremental sync is a few statements long. The walk's last page sends none: the run's
    // final event goes out in that page's statement (writeLastPage).
    let lastRunning = JSON.stringify(counts);
    const pageWritten = async () => {
      const now = JSON.stringify(counts);
      if (now === lastRunning) return;
      lastRunning = now;
      try {
        await notify(em, syncEvent({ ...run, outcome: 'RUNNING', ...counts }));
      } catch (err) {
        log?.warn(
          { consentId: consent.id, err: err instanceof Error ? err.message : String(err) },
          'sync progress not published',
        );
      }
    };
    const signal = request.signal;
    const checkAbort = () => {
      if (signal?.aborted) throw new SyncAbortedError();
    };

    try {
      const secrets = await readSecrets(consent);
      const auth: DataAuth = { ...secrets, tenantUserId: consent.tenantUserId };
      const callOptions = signal ? { signal } : {};

      checkAbort();
      // The pending list is read BEFORE the walk (see vanishedPending), beside accounts and balances.
      const [accounts, balances, remotePending] = await Promise.all([
        finqware.accounts.list(auth, callOptions),
        finqware.balances.list(auth, undefined, callOptions),
        finqware.transactions.list(auth, { status: 'pending' }, callOptions),
      ]);
      checkAbort();
      const { accountIds, balancesSkipped } = await upsertAccountsAndBalances(
        em,
        consent,
        accounts,
        balances,
      );
      counts.accountsSynced = accountIds.size;
      if (balancesSkipped > 0)
        log?.warn({ consentId: consent.id, skipped: balancesSkipped }, 'balances of unknown accounts');
      const vanished = vanishedPending(consent.localPending, remotePending, accountIds);

      /**
       * Maps, upserts and commits one page together with the cursor that follows it; the walk's
       * last page also removes the vanished pending rows and ends the run SUCCEEDED.
       */
      const writePage = async (page: TransactionPage, cursor: SyncCursor, last: boolean) => {
        const mapStarted = performance.now();
        const rows: TransactionRow[] = [];
        let unknown = 0;
        for (const tx of page.items) {
          const accountId = accountIds.get(tx.accountId);
          if (accountId === undefined) unknown++;
          else rows.push(toTransactionRow(tx, accountId, consent.userId));
        }
        if (unknown > 0)
          log?.warn({ consentId: consent.id, unknown }, 'transactions of unknown accounts skipped');
        const writeStarted = performance.now();
        const values = { rows, cursor, consentId: consent.id, runId, accountsSynced: counts.accountsSynced };
        const written = last
          ? await writeLastPage(em, {
              ...values,
              vanished,
              endedEvent: syncEvent({ ...run, outcome: 'SUCCEEDED', ...counts }),
            })
          : await writeTransactionPage(em, values);
        counts.inserted += written.inserted;
        counts.updated += written.updated;
        counts.removed += written.removed;
        if (!last) await pageWritten();
        options.onPageCommitted?.({
          rows: rows.length,
          mapMs: writeStarted - mapStarted,
          writeMs: performance.now() - writeStarted,
          phase: cursor.phase,
        });
      };

      const saved = parseCursor(consent.syncCursor);
      if (saved === null || saved.phase === 'backfill')
        await backfill(auth, saved, writePage, checkAbort, signal);
      else await incremental(auth, saved, writePage, checkAbort, signal);
      // The last page ended the run (writeLastPage).
      return { outcome: 'SUCCEEDED', runId, counts };
    } catch (err) {
      const error = classifyError(err);
      const disposition = error.disposition;
      let outcome: Exclude<RunOutcome, 'SUCCEEDED'>;
      if (disposition.action === 'reauth') outcome = 'REAUTH_REQUIRED';
      else if (disposition.action === 'dead_letter' || request.finalAttempt) outcome = 'FAILED';
      else outcome = 'RETRYING';
      try {
        if (outcome === 'REAUTH_REQUIRED') await markReauthRequired(em, consent.id);
        // A superseded run's record and live status belong to the run that took over: finishRun
        // leaves both alone.
        await finishRun(em, run, {
          outcome,
          counts,
          errorClass: error.errorClass,
          errorMessage: error.message,
        });
      } catch (recordError) {
        // The database may be what failed; the job's retry will open a new run.
        log?.warn(
          { consentId: consent.id, err: classifyError(recordError).toJSON() },
          'could not record sync run',
        );
      }
      return { outcome, runId, counts, error, disposition };
    }
  }

  /**
   * First sync: booking-date windows from now back through the whole history Finqware holds. A
   * crash resumes from the saved `before`. The client's last window is open-ended (`windowStart`
   * null): its page commits together with the switch to incremental, so a crash right after it
   * does not restart the walk.
   */
  async function backfill(
    auth: DataAuth,
    resumeFrom: BackfillCursor | null,
    writePage: (page: TransactionPage, cursor: SyncCursor, last: boolean) => Promise<void>,
    checkAbort: () => void,
    signal: AbortSignal | undefined,
  ): Promise<IncrementalCursor> {
    const startedAt = resumeFrom?.startedAt ?? now().toISOString();
    let maxTimestamp = resumeFrom?.maxTimestamp ?? null;
    // A resumed walk keeps the bound of its first page (unknown for an older cursor: read all once).
    let startBound: string | null | undefined = resumeFrom ? (resumeFrom.startBound ?? null) : undefined;
    const handOver = () =>
      afterBackfill(
        { startBound: startBound ?? null, maxTimestamp, finishedAt: now().toISOString() },
        overlapMs,
      );
    const pages = finqware.transactions.pages(auth, {
      by: 'booking_date',
      ...(resumeFrom?.before ? { before: resumeFrom.before } : {}),
      targetPageSize,
      ...(signal ? { signal } : {}),
    });
    for await (const page of prefetched(pages)) {
      const newest = newestTimestamp(page.items);
      if (startBound === undefined) startBound = newest;
      maxTimestamp = laterOf(maxTimestamp, newest);
      const last = page.windowStart === null || !page.resume.before;
      if (last) {
        const done = handOver();
        await writePage(page, done, true);
        return done;
      }
      await writePage(
        page,
        {
          phase: 'backfill',
          before: page.resume.before ?? null,
          startedAt,
          maxTimestamp,
          startBound,
        },
        false,
      );
      checkAbort();
    }
    // The walk ended without an open-ended page (an empty history): switch over on its own.
    const done = handOver();
    await writePage(emptyPage(startedAt), done, true);
    return done;
  }

  /**
   * Later syncs: rows inserted since the cursor, forward to now (the client's last window is
   * open). The last page commits together with the cursor the whole walk ends on.
   */
  async function incremental(
    auth: DataAuth,
    from: IncrementalCursor,
    writePage: (page: TransactionPage, cursor: SyncCursor, last: boolean) => Promise<void>,
    checkAbort: () => void,
    signal: AbortSignal | undefined,
  ): Promise<IncrementalCursor> {
    const walkStartedAt = now().toISOString();
    let maxSeen: string | null = null;
    const pages = finqware.transactions.pages(auth, {
      by: 'timestamp',
      ...(from.after !== null ? { after: from.after } : {}),
      targetPageSize,
      ...(signal ? { signal } : {}),
    });
    for await (const { page, last } of withLast(pages)) {
      maxSeen = laterOf(maxSeen, newestTimestamp(page.items));
      if (last) {
        const done = afterWalk(from, { startedAt: walkStartedAt, maxSeen }, overlapMs);
        await writePage(page, done, true);
        return done;
      }
      await writePage(page, duringWalk(from, maxSeen, overlapMs), false);
      checkAbort();
    }
    // A walk of no page at all (the client always answers one): end it on its own.
    const done = afterWalk(from, { startedAt: walkStartedAt, maxSeen }, overlapMs);
    await writePage(emptyPage(walkStartedAt), done, true);
    return done;
  }

  return { syncConsent };
}

/**
 * "Pending ones that vanish are removed": the consent's local pending rows (read when its run
 * opened) that Finqware no longer lists as pending. Finqware's list is read before the walk, so
 * a row booked in place before that read is written back as booked by the walk, and survives the
 * delete (which takes only rows still pending); a row the walk inserts is never a candidate (it
 * was not local when the run opened), so one that appears after the list was read is kept.
 */
function vanishedPending(
  local: { accountId: string; utxId: string }[],
  remote: FqTransaction[],
  accountIds: Map<string, string>,
): { accountId: string; utxId: string }[] {
  if (local.length === 0) return [];
  const listed = new Set<string>();
  for (const tx of remote) {
    const accountId = accountIds.get(tx.accountId);
    if (accountId !== undefined) listed.add(transactionKey({ accountId, utxId: tx.utxId || tx.id }));
  }
  return local.filter((row) => !listed.has(transactionKey(row)));
}

/**
 * Each page with whether it is the walk's last, so that page can commit the walk's final cursor
 * (no write of its own after the walk). A page is handed over once the page after it has arrived
 * (prefetched keeps the request after that in flight): two pages held, one on its way.
 */
async function* withLast<T>(source: AsyncIterable<T>): AsyncGenerator<{ page: T; last: boolean }> {
  let held: { page: T } | undefined;
  for await (const page of prefetched(source)) {
    if (held) yield { page: held.page, last: false };
    held = { page };
  }
  if (held) yield { page: held.page, last: true };
}

/**
 * Keeps the next page's request in flight while the caller writes the current one, so HTTP and
 * PostgreSQL overlap. At most two pages are held: memory stays bounded by the page size.
 */
async function* prefetched<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = iterator.next();
  try {
    for (;;) {
      const current: IteratorResult<T> = await pending;
      pending = null;
      if (current.done) return;
      pending = iterator.next();
      // Surfaced by the await above on the next turn; never an unhandled rejection meanwhile.
      pending.catch(() => undefined);
      yield current.value;
    }
  } finally {
    // Stopped early (last page, error, abort): let the source finish its in-flight request and close.
    if (pending !== null) void iterator.return?.()?.catch(() => undefined);
  }
}

function emptyPage(at: string): TransactionPage {
  return { items: [], windowStart: null, windowEnd: at, resume: {} };
}

function newestTimestamp(items: FqTransaction[]): string | null {
  let newest: string | null = null;
  let newestMs = Number.NEGATIVE_INFINITY;
  for (const tx of items) {
    const ms = Date.parse(tx.timestamp);
    if (ms > newestMs) {
      newestMs = ms;
      newest = tx.timestamp;
    }
  }
  return newest;
}
