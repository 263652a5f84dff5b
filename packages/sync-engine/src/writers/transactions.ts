import type { EntityManager } from '@mikro-orm/postgresql';
import { describeShape, SyncError, SyncSupersededError } from '../errors';
import type { FqTransaction } from '../finqware';
import { runSql } from './sql';

/**
 * One transaction row as the upsert takes it: column arrays are built from these. `amount` is
 * Finqware's positive decimal string; the statement signs it from the indicator, in numeric, so no
 * JS number ever touches money.
 */
export type TransactionRow = {
  accountId: string;
  userId: string;
  utxId: string;
  finqwareId: string;
  status: 'booked' | 'pending';
  amount: string;
  creditDebitIndicator: 'credit' | 'debit';
  currency: string;
  bookingDate: string;
  balanceAfter: string | null;
  description: string | null;
  counterparty: string | null;
  category: string | null;
  finqwareTimestamp: string | null;
  raw: string;
};

const DECIMAL = /^-?\d+(\.\d+)?$/;

function textOrNull(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function violation(field: string, tx: FqTransaction): SyncError {
  return new SyncError('protocol', `transaction has an invalid ${field}`, {
    detail: { endpoint: 'transactions.get', field, shape: describeShape(tx.raw ?? tx) },
  });
}

/**
 * Maps a Finqware transaction to its row. Missing `utx_id` (older API versions) falls back to the
 * Finqware `id`: that id is stable for the consent, so re-reads still dedupe, but the same
 * movement seen through another consent would be a separate row (README, "Identity").
 */
export function toTransactionRow(tx: FqTransaction, accountId: string, userId: string): TransactionRow {
  if (tx.status !== 'booked' && tx.status !== 'pending') throw violation('status', tx);
  if (tx.creditDebitIndicator !== 'credit' && tx.creditDebitIndicator !== 'debit') {
    throw violation('credit_debit_indicator', tx);
  }
  if (typeof tx.amount !== 'string' || !DECIMAL.test(tx.amount)) throw violation('amount', tx);
  const balance = tx.balance ?? null;
  if (balance !== null && !DECIMAL.test(balance)) throw violation('balance', tx);
  if (Number.isNaN(Date.parse(tx.bookingDateTime))) throw violation('booking_date_time', tx);
  return {
    accountId,
    userId,
    utxId: tx.utxId || tx.id,
    finqwareId: tx.id,
    status: tx.status,
    amount: tx.amount,
    creditDebitIndicator: tx.creditDebitIndicator,
    currency: tx.currency,
    bookingDate: tx.bookingDateTime,
    balanceAfter: balance,
    description: textOrNull(tx.info),
    counterparty: textOrNull(tx.details?.merchant),
    category: textOrNull(tx.details?.category),
    finqwareTimestamp: tx.timestamp ?? null,
    raw: JSON.stringify(tx.raw ?? null),
  };
}

/** The column list of transactions that a page writes, in the order of its 15 parameter arrays. */
const COLUMNS = `account_id, user_id, utx_id, finqware_id, status, amount, credit_debit_indicator, currency,
  booking_date, balance_after, description, counterparty, category, finqware_timestamp, raw`;

/** A page's 15 column arrays as rows. */
const PAGE_ROWS = `unnest(
  ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::numeric[], ?::text[], ?::text[],
  ?::timestamptz[], ?::numeric[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::jsonb[]
) AS r(${COLUMNS})`;

/**
 * The upsert of the rows of `source`: the amount is signed (debit → negative), and the unique
 * (account_id, utx_id) decides insert or update. The `WHERE … IS DISTINCT FROM` leaves unchanged
 * rows alone (no dead tuple, not returned), so re-reading an overlap costs a read, not a write.
 */
const upsertFrom = (source: string) => `
INSERT INTO transactions AS t (${COLUMNS})
SELECT
  r.account_id, r.user_id, r.utx_id, r.finqware_id, r.status,
  CASE WHEN r.credit_debit_indicator = 'debit' THEN -abs(r.amount) ELSE abs(r.amount) END,
  r.credit_debit_indicator, r.currency, r.booking_date, r.balance_after, r.description,
  r.counterparty, r.category, r.finqware_timestamp, r.raw
FROM ${source}
ON CONFLICT (account_id, utx_id) DO UPDATE SET
  finqware_id = excluded.finqware_id,
  status = excluded.status,
  amount = excluded.amount,
  credit_debit_indicator = excluded.credit_debit_indicator,
  currency = excluded.currency,
  booking_date = excluded.booking_date,
  balance_after = excluded.balance_after,
  description = excluded.description,
  counterparty = excluded.counterparty,
  category = excluded.category,
  finqware_timestamp = excluded.finqware_timestamp,
  raw = excluded.raw,
  updated_at = now()
WHERE (t.finqware_id, t.status, t.amount, t.credit_debit_indicator, t.currency, t.booking_date,
       t.balance_after, t.description, t.counterparty, t.category, t.finqware_timestamp, t.raw)
  IS DISTINCT FROM
      (excluded.finqware_id, excluded.status, excluded.amount, excluded.credit_debit_indicator,
       excluded.currency, excluded.booking_date, excluded.balance_after, excluded.description,
       excluded.counterparty, excluded.category, excluded.finqware_timestamp, excluded.raw)`;

/**
 * The page upsert alone, without the rollups: what the benchmark's raw `pg` baseline runs.
 * Placeholders are `?` (see writers/sql.ts); the benchmark runs it after `toPgPlaceholders`.
 */
export const UPSERT_TRANSACTIONS_SQL = `${upsertFrom(PAGE_ROWS)}
RETURNING (xmax = 0) AS inserted`;

/**
 * The rollups' share of a statement that writes transactions (entities/transaction-rollups.ts):
 * the CTE `changes` lists what the statement did to booked rows — each row written as it is now
 * (n = 1, its amount) and each row it replaced or deleted as it was (n = -1, minus its amount) —
 * and these CTEs add it to the day's totals, the month's, and the month's per counterparty. A group
 * whose changes cancel out (a description edited, a row moved nowhere) writes nothing. The monthly
 * totals are summed from the daily deltas, a few dozen rows, not from the page again.
 */
const APPLY_TO_ROLLUPS = `
daily_changes AS (
  SELECT account_id, user_id, day, currency, direction, sum(n) AS n, sum(amount) AS amount
    FROM changes
   GROUP BY account_id, user_id, day, currency, direction
  HAVING sum(n) <> 0 OR sum(amount) <> 0
),
daily AS (
  INSERT INTO transaction_daily_totals AS d (account_id, user_id, day, currency, direction, count, total)
  SELECT account_id, user_id, day, currency, direction, n, amount FROM daily_changes
  ON CONFLICT (account_id, day, currency, direction)
  DO UPDATE SET count = d.count + excluded.count, total = d.total + excluded.total
),
monthly AS (
  INSERT INTO transaction_monthly_totals AS d (account_id, user_id, month, currency, direction, count, total)
  SELECT account_id, user_id, date_trunc('month', day)::date, currency, direction, sum(n), sum(amount)
    FROM daily_changes
   GROUP BY account_id, user_id, date_trunc('month', day), currency, direction
  HAVING sum(n) <> 0 OR sum(amount) <> 0
  ON CONFLICT (account_id, month, currency, direction)
  DO UPDATE SET count = d.count + excluded.count, total = d.total + excluded.total
),
by_counterparty AS (
  INSERT INTO counterparty_monthly_totals AS d
         (account_id, user_id, month, currency, direction, counterparty, count, total)
  SELECT account_id, user_id, date_trunc('month', day)::date, currency, direction, counterparty, sum(n), sum(amount)
    FROM changes
   WHERE counterparty <> ''
   GROUP BY account_id, user_id, date_trunc('month', day), currency, direction, counterparty
  HAVING sum(n) <> 0 OR sum(amount) <> 0
  ON CONFLICT (account_id, month, counterparty, currency, direction)
  DO UPDATE SET count = d.count + excluded.count, total = d.total + excluded.total
)`;

/** A booked transaction's rollup keys, from the row aliased `x`. */
const ROLLUP_KEYS = `x.account_id, x.user_id, (x.booking_date AT TIME ZONE 'UTC')::date AS day, x.currency,
         CASE WHEN x.amount < 0 THEN 'debit' ELSE 'credit' END AS direction, x.counterparty`;

/**
 * A page upserted together with its rollups. The upsert returns the rows it inserted or changed
 * as they are now; the rows it changed are read back from transactions as they were, since every
 * part of a statement reads the snapshot taken before the statement's own writes. Rows re-read
 * unchanged appear in neither, and a page of new rows reads nothing back.
 *
 * The delta is exact as long as one writer at a time writes an account's rows, which holds: an
 * account belongs to one consent, and one consent never syncs twice at once (`fence` below).
 *
 * `fence`, when given, is the statement's first CTEs (`current_run`) and the page's rows are read
 * only if `current_run` has a row: otherwise the statement writes nothing at all.
 */
const upsertWithRollups = (rest: string, fence?: string) => `
WITH ${fence ? `${fence},\n` : ''}up AS (${upsertFrom(fence ? `${PAGE_ROWS} WHERE EXISTS (SELECT 1 FROM current_run)` : PAGE_ROWS)}
  RETURNING (xmax = 0) AS inserted, t.id, t.account_id, t.user_id, t.status, t.booking_date,
            t.currency, t.amount, t.counterparty
),
changes AS (
  SELECT ${ROLLUP_KEYS}, 1 AS n, x.amount FROM up x WHERE x.status = 'booked'
  UNION ALL
  SELECT ${ROLLUP_KEYS}, -1 AS n, -x.amount FROM transactions x
   WHERE x.id IN (SELECT id FROM up WHERE NOT inserted) AND x.status = 'booked'
),
${APPLY_TO_ROLLUPS}${rest}`;

/**
 * What the engine runs per page: the upsert, its rollups, the advanced cursor and the run's
 * counters in ONE statement. A statement is atomic, so the rows, their rollups and the cursor that
 * follows them commit together (or not at all) without BEGIN/COMMIT round trips; data-modifying
 * CTEs run exactly once whether or not the outer query reads them.
 *
 * The page is written only while its run is still the consent's RUNNING run (`current_run`, its
 * row locked for the statement, so a newer run's start waits for the page or is seen by it). Two
 * attempts of one consent's sync can overlap: pg-boss fails a job whose heartbeat lapsed on a live
 * but starved worker, and its retry starts while the first attempt runs on until its own next
 * heartbeat notices. The newer run's start closes the older run (openRun); from then on the older
 * attempt writes nothing — no rows, no rollup deltas, no cursor that would move the consent back —
 * and stops at that page.
 *
 * Parameters: run id, the 15 column arrays, cursor json, consent id, accounts synced.
 */
export const WRITE_PAGE_SQL = upsertWithRollups(
  `,
counts AS (
  SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated
    FROM up
),
cursor_saved AS (
  UPDATE user_skills SET sync_cursor = ?::jsonb, updated_at = now()
   WHERE id = ? AND EXISTS (SELECT 1 FROM current_run) RETURNING id
),
run AS (
  UPDATE sync_runs r
     SET inserted = r.inserted + counts.inserted, updated = r.updated + counts.updated,
         accounts_synced = ?, updated_at = now()
    FROM counts, current_run WHERE r.id = current_run.id RETURNING r.id
)
SELECT counts.inserted, counts.updated, (SELECT count(*)::int FROM cursor_saved) AS "cursorSaved",
       (SELECT count(*)::int FROM current_run) AS "runCurrent"
  FROM counts`,
  `current_run AS (SELECT id FROM sync_runs WHERE id = ? AND outcome = 'RUNNING' FOR UPDATE)`,
);

/** Rows upserted with their rollups, outside a sync (no cursor, no run). Parameters: the 15 arrays. */
const UPSERT_WITH_ROLLUPS_SQL = upsertWithRollups(`
SELECT inserted FROM up`);

/**
 * Deletes the given (account id, utx id) rows of a consent if they are still `pending`, and takes
 * any booked row it deletes out of the rollups in the same statement (none today: only pending
 * rows are deleted, and the rollups count booked ones; the statement stays right if that changes).
 */
const DELETE_PENDING_SQL = `
WITH gone AS (
  DELETE FROM transactions t
   USING accounts a, unnest(?::uuid[], ?::text[]) AS k(account_id, utx_id)
   WHERE a.id = t.account_id
     AND a.user_skill_id = ?
     AND t.account_id = k.account_id AND t.utx_id = k.utx_id
     AND t.status = 'pending'
  RETURNING t.account_id, t.user_id, t.status, t.booking_date, t.currency, t.amount, t.counterparty
),
changes AS (
  SELECT ${ROLLUP_KEYS}, -1 AS n, -x.amount AS amount FROM gone x WHERE x.status = 'booked'
),
${APPLY_TO_ROLLUPS}
SELECT count(*)::int AS removed FROM gone`;

/** `?` → `$1…$n`, for running the same statement through `pg` directly (benchmark baseline). */
export function toPgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Keeps one row per (account, utx_id): a statement cannot update the same row twice. The later
 * occurrence wins, except that a booked row is never replaced by a pending one.
 */
export function dedupeRows(rows: TransactionRow[]): TransactionRow[] {
  const byKey = new Map<string, TransactionRow>();
  for (const row of rows) {
    const key = `${row.accountId}\u0000${row.utxId}`;
    const seen = byKey.get(key);
    if (seen && seen.status === 'booked' && row.status === 'pending') continue;
    byKey.set(key, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

/** The 15 column arrays of UPSERT_TRANSACTIONS_SQL, in order. */
export function transactionColumns(rows: TransactionRow[]): unknown[][] {
  const n = rows.length;
  const cols: unknown[][] = Array.from({ length: 15 }, () => new Array(n));
  for (let i = 0; i < n; i++) {
    const r = rows[i] as TransactionRow;
    (cols[0] as unknown[])[i] = r.accountId;
    (cols[1] as unknown[])[i] = r.userId;
    (cols[2] as unknown[])[i] = r.utxId;
    (cols[3] as unknown[])[i] = r.finqwareId;
    (cols[4] as unknown[])[i] = r.status;
    (cols[5] as unknown[])[i] = r.amount;
    (cols[6] as unknown[])[i] = r.creditDebitIndicator;
    (cols[7] as unknown[])[i] = r.currency;
    (cols[8] as unknown[])[i] = r.bookingDate;
    (cols[9] as unknown[])[i] = r.balanceAfter;
    (cols[10] as unknown[])[i] = r.description;
    (cols[11] as unknown[])[i] = r.counterparty;
    (cols[12] as unknown[])[i] = r.category;
    (cols[13] as unknown[])[i] = r.finqwareTimestamp;
    (cols[14] as unknown[])[i] = r.raw;
  }
  return cols;
}

export type UpsertCounts = { inserted: number; updated: number };

/**
 * Writes one page and the cursor that follows it, atomically (see WRITE_PAGE_SQL); throws
 * SyncSupersededError, having written nothing, once a newer run of the consent has started.
 */
export async function writeTransactionPage(
  em: EntityManager,
  page: { rows: TransactionRow[]; cursor: unknown; consentId: string; runId: string; accountsSynced: number },
): Promise<UpsertCounts> {
  const [result] = await runSql<{
    inserted: number;
    updated: number;
    cursorSaved: number;
    runCurrent: number;
  }>(em, WRITE_PAGE_SQL, [
    page.runId,
    ...transactionColumns(dedupeRows(page.rows)),
    JSON.stringify(page.cursor),
    page.consentId,
    page.accountsSynced,
  ]);
  if (result && result.runCurrent === 0) throw new SyncSupersededError();
  if (result?.cursorSaved !== 1) throw new Error(`consent ${page.consentId} disappeared during its sync`);
  return { inserted: result.inserted, updated: result.updated };
}

export async function upsertTransactions(em: EntityManager, rows: TransactionRow[]): Promise<UpsertCounts> {
  if (rows.length === 0) return { inserted: 0, updated: 0 };
  const result = await runSql<{ inserted: boolean }>(
    em,
    UPSERT_WITH_ROLLUPS_SQL,
    transactionColumns(dedupeRows(rows)),
  );
  let inserted = 0;
  for (const row of result) if (row.inserted) inserted++;
  return { inserted, updated: result.length - inserted };
}

/**
 * Deletes the given (account id, utx id) rows of a consent if they are still `pending` (see
 * DELETE_PENDING_SQL): the caller passes the local pending rows Finqware no longer returns. A
 * candidate that was booked in place meanwhile has been updated to `booked` by a page and is kept.
 */
export async function deletePendingRows(
  em: EntityManager,
  userSkillId: string,
  rows: { accountId: string; utxId: string }[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const [result] = await runSql<{ removed: number }>(em, DELETE_PENDING_SQL, [
    rows.map((r) => r.accountId),
    rows.map((r) => r.utxId),
    userSkillId,
  ]);
  return result?.removed ?? 0;
}
