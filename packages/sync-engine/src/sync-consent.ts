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
import { upsertAccounts, upsertBalances } from './writers/accounts';
import {
  finishRun,
  loadConsent,
  markReauthRequired,
  type RunCounts,
  type RunOutcome,
  startRun,
} from './writers/consents';
import {
  deletePendingRows,
  listLocalPending,
  type TransactionRow,
  toTransactionRow,
  writeTransactionPage,
} from './writers/transactions';

/** pino-compatible, and optional. */
export type EngineLogger = {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
};

/** Reads a consent's Finqware credentials (the vault decrypts them; the engine never stores them). */
export type ConsentSecretsReader = (
  em: EntityManager,
  consentId: string,
) => Promise<{ credentialsId: string; accessToken: string }>;

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

export type SyncRequest = {
  consentId: string;
  reason: SyncReason;
  jobId?: string | null;
  /** Aborted when the job must stop (worker shutdown): the engine stops between pages. */
  signal?: AbortSignal;
  /** No retry follows a failure of this attempt: a retryable failure is recorded FAILED, not RETRYING. */
  finalAttempt?: boolean;
  /**
   * Told after each committed step: the run started, a page was written (counts so far), the run
   * ended (its outcome). The worker publishes these to the api for live status; awaited, so the
   * events of one run arrive in order.
   */
  onProgress?: (progress: SyncProgress) => void | Promise<void>;
};

export type SyncProgress = {
  consentId: string;
  userId: string;
  runId: string;
  outcome: 'RUNNING' | RunOutcome;
  counts: RunCounts;
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

const txKey = (accountId: string, utxId: string) => `${accountId}\u0000${utxId}`;

export type SyncEngine = { syncConsent(em: EntityManager, request: SyncRequest): Promise<SyncResult> };

export function createSyncEngine(deps: SyncEngineDeps): SyncEngine {
  const { finqware, readSecrets, options } = deps;
  const overlapMs = options.overlapMinutes * 60_000;
  const targetPageSize = options.targetPageSize ?? 2000;
  const now = options.now ?? (() => new Date());
  const log = options.logger;

  async function syncConsent(em: EntityManager, request: SyncRequest): Promise<SyncResult> {
    const consent = await loadConsent(em, request.consentId);
    if (!consent) return { outcome: 'SKIPPED', reason: 'not_found' };
    if (consent.status !== 'ACTIVE')
      return { outcome: 'SKIPPED', reason: 'not_active', status: consent.status };

    const runId = await startRun(em, {
      consentId: consent.id,
      jobId: request.jobId ?? null,
      reason: request.reason,
    });
    const counts: RunCounts = { accountsSynced: 0, inserted: 0, updated: 0, removed: 0 };
    // Live status is a courtesy: a listener that fails never fails the sync. A RUNNING event that
    // would repeat the last one (a page that changed nothing, like the cursor-only write that ends
    // every walk) is not sent: each is a NOTIFY, and an incremental sync is a few statements long.
    let lastRunning: string | undefined;
    const progress = async (outcome: SyncProgress['outcome']) => {
      if (outcome === 'RUNNING') {
        const now = JSON.stringify(counts);
        if (now === lastRunning) return;
        lastRunning = now;
      }
      try {
        await request.onProgress?.({
          consentId: consent.id,
          userId: consent.userId,
          runId,
          outcome,
          counts: { ...counts },
        });
      } catch (err) {
        log?.warn(
          { consentId: consent.id, err: err instanceof Error ? err.message : String(err) },
          'sync progress not published',
        );
      }
    };
    await progress('RUNNING');
    const signal = request.signal;
    const checkAbort = () => {
      if (signal?.aborted) throw new SyncAbortedError();
    };

    try {
      const secrets = await readSecrets(em, consent.id);
      const auth: DataAuth = { ...secrets, tenantUserId: consent.tenantUserId };
      const callOptions = signal ? { signal } : {};

      checkAbort();
      const accountIds = await upsertAccounts(em, consent, await finqware.accounts.list(auth, callOptions));
      counts.accountsSynced = accountIds.size;
      checkAbort();
      const balances = await upsertBalances(
        em,
        accountIds,
        await finqware.balances.list(auth, undefined, callOptions),
      );
      if (balances.skipped > 0)
        log?.warn({ consentId: consent.id, skipped: balances.skipped }, 'balances of unknown accounts');

      /** Maps, upserts and commits one page together with the cursor that follows it. */
      const writePage = async (page: TransactionPage, cursor: SyncCursor) => {
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
        const written = await writeTransactionPage(em, {
          rows,
          cursor,
          consentId: consent.id,
          runId,
          accountsSynced: counts.accountsSynced,
        });
        counts.inserted += written.inserted;
        counts.updated += written.updated;
        await progress('RUNNING');
        options.onPageCommitted?.({
          rows: rows.length,
          mapMs: writeStarted - mapStarted,
          writeMs: performance.now() - writeStarted,
          phase: cursor.phase,
        });
      };

      const saved = parseCursor(consent.syncCursor);
      const cursor =
        saved === null || saved.phase === 'backfill'
          ? await backfill(auth, saved, writePage, checkAbort, signal)
          : await incremental(auth, saved, writePage, checkAbort, signal);
      counts.removed += await reconcilePending(
        em,
        consent.id,
        auth,
        accountIds,
        cursor,
        writePage,
        checkAbort,
        signal,
      );

      if (await finishRun(em, runId, consent.id, { outcome: 'SUCCEEDED', counts }))
        await progress('SUCCEEDED');
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
        const recorded = await finishRun(em, runId, consent.id, {
          outcome,
          counts,
          errorClass: error.errorClass,
          errorMessage: error.message,
        });
        // A superseded run's live status belongs to the run that took over.
        if (recorded) await progress(outcome);
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
    writePage: (page: TransactionPage, cursor: SyncCursor) => Promise<void>,
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
        await writePage(page, done);
        return done;
      }
      await writePage(page, {
        phase: 'backfill',
        before: page.resume.before ?? null,
        startedAt,
        maxTimestamp,
        startBound,
      });
      checkAbort();
    }
    // The walk ended without an open-ended page (an empty history): switch over on its own.
    const done = handOver();
    await writePage(emptyPage(startedAt), done);
    return done;
  }

  /** Later syncs: rows inserted since the cursor, forward to now (the client's last window is open). */
  async function incremental(
    auth: DataAuth,
    from: IncrementalCursor,
    writePage: (page: TransactionPage, cursor: SyncCursor) => Promise<void>,
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
    for await (const page of prefetched(pages)) {
      maxSeen = laterOf(maxSeen, newestTimestamp(page.items));
      await writePage(page, duringWalk(from, maxSeen, overlapMs));
      checkAbort();
    }
    const done = afterWalk(from, { startedAt: walkStartedAt, maxSeen }, overlapMs);
    await writePage(emptyPage(walkStartedAt), done);
    return done;
  }

  /**
   * "Pending ones that vanish are removed": local pending rows that Finqware no longer lists as
   * pending are deleted. Before deleting, one more incremental walk picks up any that were booked
   * in place since the main walk (they are updated to booked, and so survive the delete).
   */
  async function reconcilePending(
    em: EntityManager,
    consentId: string,
    auth: DataAuth,
    accountIds: Map<string, string>,
    cursor: IncrementalCursor,
    writePage: (page: TransactionPage, cursor: SyncCursor) => Promise<void>,
    checkAbort: () => void,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    checkAbort();
    const remote: FqTransaction[] = await finqware.transactions.list(
      auth,
      { status: 'pending' },
      signal ? { signal } : {},
    );
    const keep = new Set<string>();
    for (const tx of remote) {
      const accountId = accountIds.get(tx.accountId);
      if (accountId !== undefined) keep.add(txKey(accountId, tx.utxId || tx.id));
    }
    const local = await listLocalPending(em, consentId);
    const vanished = local.filter((row) => !keep.has(txKey(row.accountId, row.utxId)));
    if (vanished.length === 0) return 0;
    await incremental(auth, cursor, writePage, checkAbort, signal);
    return deletePendingRows(em, consentId, vanished);
  }

  return { syncConsent };
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
