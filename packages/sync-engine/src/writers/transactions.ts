import type { EntityManager } from '@mikro-orm/postgresql';
import {
  type Database,
  type Placeholders,
  preparedQuery,
  rollupDay,
  rollupDirection,
  rollupMonth,
} from '@tenant/domain';
import {
  type CompiledQuery,
  type ExpressionBuilder,
  type Kysely,
  type QueryCreator,
  type RawBuilder,
  type Selectable,
  sql,
} from 'kysely';
import { describeShape, SyncError, SyncSupersededError } from '../errors';
import type { FqTransaction } from '../finqware';
import { notifyOf } from './sync-events';

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

/** The columns of transactions that a page writes, in the order of its 15 parameter arrays. */
const COLUMNS = [
  'account_id',
  'user_id',
  'utx_id',
  'finqware_id',
  'status',
  'amount',
  'credit_debit_indicator',
  'currency',
  'booking_date',
  'balance_after',
  'description',
  'counterparty',
  'category',
  'finqware_timestamp',
  'raw',
] as const;

/** The columns an upsert may change: all but the key (account_id, utx_id) and the owner. */
const UPDATED = COLUMNS.filter((c) => c !== 'account_id' && c !== 'user_id' && c !== 'utx_id');

/** A page as one array per column of COLUMNS, the rows' values in the same order in each. */
export type PageColumns = Record<(typeof COLUMNS)[number], unknown[]>;

/**
 * A page's column arrays as rows, the amount signed from the indicator (debit → negative).
 * `where`, when given, gates the whole page (the run's fence).
 */
function pageRows(c: PageColumns, where?: RawBuilder<unknown>) {
  return sql`SELECT r.account_id, r.user_id, r.utx_id, r.finqware_id, r.status,
         CASE WHEN r.credit_debit_indicator = 'debit' THEN -abs(r.amount) ELSE abs(r.amount) END,
         r.credit_debit_indicator, r.currency, r.booking_date, r.balance_after, r.description,
         r.counterparty, r.category, r.finqware_timestamp, r.raw
    FROM unnest(${c.account_id}::uuid[], ${c.user_id}::uuid[], ${c.utx_id}::text[], ${c.finqware_id}::text[],
                ${c.status}::text[], ${c.amount}::numeric[], ${c.credit_debit_indicator}::text[],
                ${c.currency}::text[], ${c.booking_date}::timestamptz[], ${c.balance_after}::numeric[],
                ${c.description}::text[], ${c.counterparty}::text[], ${c.category}::text[],
                ${c.finqware_timestamp}::timestamptz[], ${c.raw}::jsonb[])
      AS r(${sql.raw(COLUMNS.join(', '))})
   ${where ?? sql``}`;
}

/**
 * The upsert of a page: the unique (account_id, utx_id) decides insert or update, and the `WHERE
 * … IS DISTINCT FROM` leaves unchanged rows alone (no dead tuple, not returned), so re-reading an
 * overlap costs a read, not a write. Every row it writes is returned with what the rollups need.
 */
function upsertPage<DB extends Database>(
  statement: QueryCreator<DB>,
  columns: PageColumns,
  where?: RawBuilder<unknown>,
) {
  // Invariant builders again (see applyToRollups): the upsert names no CTE of the statement.
  const k = statement as unknown as QueryCreator<Database>;
  const row = (table: 'transactions' | 'excluded') => sql.join(UPDATED.map((c) => sql.ref(`${table}.${c}`)));
  return k
    .insertInto('transactions')
    .columns(COLUMNS)
    .expression(pageRows(columns, where))
    .onConflict((oc) =>
      oc
        .columns(['account_id', 'utx_id'])
        .doUpdateSet((eb) => ({
          ...Object.fromEntries(UPDATED.map((c) => [c, eb.ref(`excluded.${c}`)])),
          updated_at: sql<Date>`now()`,
        }))
        .where(sql<boolean>`(${row('transactions')}) IS DISTINCT FROM (${row('excluded')})`),
    );
}

/**
 * The page upsert alone, without the rollups, compiled for `pg`: the benchmarks' raw baseline
 * (the same upsert as the engine's, nothing else).
 */
export function compileRawUpsert(k: Kysely<Database>, rows: TransactionRow[]): CompiledQuery {
  return upsertPage(k, transactionColumns(rows)).returning(sql<boolean>`xmax = 0`.as('inserted')).compile();
}

/** What `changes` needs of a transaction row, named `x`: a written, replaced or deleted one. */
type ChangeSource = {
  x: Pick<
    Selectable<Database['transactions']>,
    'account_id' | 'user_id' | 'booking_date' | 'currency' | 'amount' | 'counterparty'
  >;
};

/**
 * A booked row's line in `changes`: as it is now (`now`: n = 1, its amount), or as it was before
 * the statement replaced or deleted it (`was`: n = -1, minus its amount).
 */
function changeOf<DB extends ChangeSource>(builder: ExpressionBuilder<DB, 'x'>, as: 'now' | 'was') {
  // Invariant builders again (see applyToRollups): only `x`'s columns are read.
  const eb = builder as unknown as ExpressionBuilder<ChangeSource, 'x'>;
  const amount = eb.ref('x.amount');
  return [
    eb.ref('x.account_id').as('account_id'),
    eb.ref('x.user_id').as('user_id'),
    rollupDay(eb.ref('x.booking_date')).as('day'),
    eb.ref('x.currency').as('currency'),
    rollupDirection(amount).as('direction'),
    eb.ref('x.counterparty').as('counterparty'),
    (as === 'now' ? sql<number>`1` : sql<number>`-1`).as('n'),
    (as === 'now' ? sql<string>`${amount}` : sql<string>`-${amount}`).as('amount'),
  ] as const;
}

/**
 * The rollups' share of a statement that writes transactions (entities/transaction-rollups.ts),
 * as CTEs after `changes`, which lists what the statement did to booked rows — each row written
 * as it is now (n = 1, its amount) and each row it replaced or deleted as it was (n = -1, minus
 * its amount). They add it to the day's totals, the month's, and the month's per counterparty. A
 * group whose changes cancel out (a description edited, a row moved nowhere) writes nothing. The
 * monthly totals are summed from the daily deltas, a few dozen rows, not from the page again.
 */
function applyToRollups<DB extends RollupInput>(statement: QueryCreator<DB>): QueryCreator<DB> {
  // Kysely's builders are invariant in their database type: the CTEs are built on what every
  // caller's statement has (the tables and `changes`), and nothing after them names their CTEs.
  const k = statement as unknown as QueryCreator<RollupInput>;
  const withRollups = k
    .with('daily_changes', (db) =>
      db
        .selectFrom('changes as c')
        .select((eb) => [
          'c.account_id',
          'c.user_id',
          'c.day',
          'c.currency',
          'c.direction',
          eb.fn.sum<number>('c.n').as('n'),
          eb.fn.sum<string>('c.amount').as('amount'),
        ])
        .groupBy(['c.account_id', 'c.user_id', 'c.day', 'c.currency', 'c.direction'])
        .having((eb) => eb.or([eb(eb.fn.sum('c.n'), '<>', 0), eb(eb.fn.sum('c.amount'), '<>', 0)])),
    )
    .with('daily', (db) =>
      db
        .insertInto('transaction_daily_totals')
        .columns(['account_id', 'user_id', 'day', 'currency', 'direction', 'count', 'total'])
        .expression(
          db
            .selectFrom('daily_changes')
            .select(['account_id', 'user_id', 'day', 'currency', 'direction', 'n', 'amount']),
        )
        .onConflict((oc) =>
          oc.columns(['account_id', 'day', 'currency', 'direction']).doUpdateSet((eb) => ({
            count: eb('transaction_daily_totals.count', '+', eb.ref('excluded.count')),
            total: eb('transaction_daily_totals.total', '+', eb.ref('excluded.total')),
          })),
        ),
    )
    .with('monthly', (db) =>
      db
        .insertInto('transaction_monthly_totals')
        .columns(['account_id', 'user_id', 'month', 'currency', 'direction', 'count', 'total'])
        .expression(
          db
            .selectFrom('daily_changes as c')
            .select((eb) => [
              'c.account_id',
              'c.user_id',
              rollupMonth(eb.ref('c.day')).as('month'),
              'c.currency',
              'c.direction',
              eb.fn.sum<number>('c.n').as('n'),
              eb.fn.sum<string>('c.amount').as('amount'),
            ])
            .groupBy((eb) => [
              'c.account_id',
              'c.user_id',
              rollupMonth(eb.ref('c.day')),
              'c.currency',
              'c.direction',
            ])
            .having((eb) => eb.or([eb(eb.fn.sum('c.n'), '<>', 0), eb(eb.fn.sum('c.amount'), '<>', 0)])),
        )
        .onConflict((oc) =>
          oc.columns(['account_id', 'month', 'currency', 'direction']).doUpdateSet((eb) => ({
            count: eb('transaction_monthly_totals.count', '+', eb.ref('excluded.count')),
            total: eb('transaction_monthly_totals.total', '+', eb.ref('excluded.total')),
          })),
        ),
    )
    .with('by_counterparty', (db) =>
      db
        .insertInto('counterparty_monthly_flows')
        .columns([
          'account_id',
          'user_id',
          'month',
          'counterparty',
          'currency',
          'credit_count',
          'credit_total',
          'debit_count',
          'debit_total',
        ])
        .expression(
          db
            .selectFrom('changes as c')
            .select((eb) => {
              const flows = directionFlows(eb);
              return [
                'c.account_id',
                'c.user_id',
                rollupMonth(eb.ref('c.day')).as('month'),
                'c.counterparty',
                'c.currency',
                flows.creditCount.as('credit_count'),
                flows.creditTotal.as('credit_total'),
                flows.debitCount.as('debit_count'),
                flows.debitTotal.as('debit_total'),
              ];
            })
            .where('c.counterparty', '<>', '')
            .groupBy((eb) => [
              'c.account_id',
              'c.user_id',
              rollupMonth(eb.ref('c.day')),
              'c.counterparty',
              'c.currency',
            ])
            .having((eb) => eb.or(Object.values(directionFlows(eb)).map((flow) => eb(flow, '<>', '0')))),
        )
        .onConflict((oc) =>
          oc.columns(['account_id', 'month', 'counterparty', 'currency']).doUpdateSet((eb) => ({
            credit_count: eb('counterparty_monthly_flows.credit_count', '+', eb.ref('excluded.credit_count')),
            credit_total: eb('counterparty_monthly_flows.credit_total', '+', eb.ref('excluded.credit_total')),
            debit_count: eb('counterparty_monthly_flows.debit_count', '+', eb.ref('excluded.debit_count')),
            debit_total: eb('counterparty_monthly_flows.debit_total', '+', eb.ref('excluded.debit_total')),
          })),
        ),
    );
  return withRollups as unknown as QueryCreator<DB>;
}

/** A group of `changes` split by direction: the change to each of a flows row's counts and sums. */
function directionFlows<DB extends { c: Change }>(builder: ExpressionBuilder<DB, 'c'>) {
  // Invariant builders again (see applyToRollups): only `c`'s columns are read.
  const eb = builder as unknown as ExpressionBuilder<{ c: Change }, 'c'>;
  const of = (column: 'c.n' | 'c.amount', direction: 'credit' | 'debit') =>
    eb.fn.coalesce(
      eb.fn.sum<string>(column).filterWhere('c.direction', '=', sql.lit(direction)),
      sql.lit('0'),
    );
  return {
    creditCount: of('c.n', 'credit'),
    creditTotal: of('c.amount', 'credit'),
    debitCount: of('c.n', 'debit'),
    debitTotal: of('c.amount', 'debit'),
  };
}

/**
 * One row of `changes` (applyToRollups): a rollup's keys, the counterparty, and the change to its
 * count and total, typed from the entities.
 */
type Change = Pick<
  Selectable<Database['transaction_daily_totals']>,
  'account_id' | 'user_id' | 'day' | 'currency' | 'direction'
> &
  Pick<Selectable<Database['transactions']>, 'counterparty' | 'amount'> & { n: number };
type RollupInput = Database & { changes: Change };

/** The consent's sync cursor, as its column holds it. */
type Cursor = Selectable<Database['user_skills']>['sync_cursor'];

/**
 * What a page statement is run with: its column arrays, the cursor's JSON text, and the run.
 * The statement is built and compiled once per shape (preparedQuery): Kysely's building of its
 * dozen CTEs took a seventh of a sync worker's CPU when it was built for every page.
 */
type PageValues = PageColumns & {
  cursorJson: string;
  consentId: string;
  runId: string;
  accountsSynced: number;
  /**
   * Given on the walk's last page of a run that succeeds: the run ends in this statement, and this
   * is its SUCCEEDED event, whose inserted, updated and removed counts the statement fills in from
   * the run's row.
   */
  endedEvent?: string;
  /**
   * Given with endedEvent when local pending rows vanished: their (account id, utx id), deleted if
   * still pending.
   */
  goneAccountIds?: string[];
  goneUtxIds?: string[];
};

/**
 * What the engine runs per page: the upsert, its rollups, the advanced cursor and the run's
 * counters in ONE statement. A statement is atomic, so the rows, their rollups and the cursor that
 * follows them commit together (or not at all) without BEGIN/COMMIT round trips; data-modifying
 * CTEs run exactly once whether or not the outer query reads them.
 *
 * The upsert returns the rows it inserted or changed as they are now; the rows it changed are read
 * back from transactions as they were, since every part of a statement reads the snapshot taken
 * before the statement's own writes. Rows re-read unchanged appear in neither, and a page of new
 * rows reads nothing back. The delta is exact as long as one writer at a time writes an account's
 * rows, which holds: an account belongs to one consent, and one consent never syncs twice at once.
 *
 * The page is written only while its run is still the consent's RUNNING run (`current_run`, its
 * row locked for the statement, so a newer run's start waits for the page or is seen by it). Two
 * attempts of one consent's sync can overlap: pg-boss fails a job whose heartbeat lapsed on a live
 * but starved worker, and its retry starts while the first attempt runs on until its own next
 * heartbeat notices. The newer run's start closes the older run (openRun); from then on the older
 * attempt writes nothing — no rows, no rollup deltas, no cursor that would move the consent back —
 * and stops at that page.
 *
 * The walk's last page also ends the run (`endedEvent`): it deletes the local pending rows Finqware
 * no longer lists (`gone`, none of them in the page: a statement cannot write a row twice; their
 * rollups with the page's), records the run SUCCEEDED with its counts and the consent's last
 * outcome, and sends the run's final event, all committed with the rows and the cursor. An
 * incremental sync is then one statement of ours after its accounts, not three.
 */
function writePageQuery(k: Kysely<Database>, page: Placeholders<PageValues>) {
  const ends = page.endedEvent !== undefined;
  return applyToRollups(
    k
      .with('current_run', (db) =>
        db
          .selectFrom('sync_runs')
          .select('id')
          .where('id', '=', page.runId)
          .where('outcome', '=', 'RUNNING')
          .forUpdate(),
      )
      .with('up', (db) =>
        upsertPage(db, page, sql`WHERE EXISTS (SELECT 1 FROM current_run)`).returning([
          sql<boolean>`xmax = 0`.as('inserted'),
          'id',
          'account_id',
          'user_id',
          'status',
          'booking_date',
          'currency',
          'amount',
          'counterparty',
        ]),
      )
      .with('gone', (db) =>
        db
          .deleteFrom('transactions')
          .using('accounts')
          .whereRef('accounts.id', '=', 'transactions.account_id')
          .where('accounts.user_skill_id', '=', page.consentId)
          .where('transactions.status', '=', 'pending')
          .where((eb) =>
            page.goneAccountIds === undefined
              ? sql<boolean>`false`
              : sql<boolean>`(${eb.ref('transactions.account_id')}, ${eb.ref('transactions.utx_id')})
                  IN (SELECT * FROM unnest(${page.goneAccountIds}::uuid[], ${page.goneUtxIds}::text[]))`,
          )
          .where((eb) => eb.exists(eb.selectFrom('current_run').select('id')))
          .returning([
            'transactions.account_id',
            'transactions.user_id',
            'transactions.status',
            'transactions.booking_date',
            'transactions.currency',
            'transactions.amount',
            'transactions.counterparty',
          ]),
      )
      .with('changes', (db) =>
        db
          .selectFrom('up as x')
          .select((eb) => changeOf(eb, 'now'))
          .where('x.status', '=', 'booked')
          .unionAll(
            db
              .selectFrom('transactions as x')
              .select((eb) => changeOf(eb, 'was'))
              .where('x.id', 'in', db.selectFrom('up').select('id').where('inserted', '=', false))
              .where('x.status', '=', 'booked'),
          )
          .unionAll(
            db
              .selectFrom('gone as x')
              .select((eb) => changeOf(eb, 'was'))
              .where('x.status', '=', 'booked'),
          ),
      ),
  )
    .with('counts', (db) =>
      db
        .selectFrom('up')
        .select((eb) => [
          sql<number>`count(*) FILTER (WHERE ${eb.ref('inserted')})::int`.as('inserted'),
          sql<number>`count(*) FILTER (WHERE NOT ${eb.ref('inserted')})::int`.as('updated'),
          sql<number>`(SELECT count(*)::int FROM gone)`.as('removed'),
        ]),
    )
    .with('cursor_saved', (db) =>
      db
        .updateTable('user_skills')
        .set({
          sync_cursor: sql<Cursor>`${page.cursorJson}::jsonb`,
          ...(ends ? { last_sync_outcome: 'SUCCEEDED', last_synced_at: sql<Date>`now()` } : {}),
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', page.consentId)
        .where((eb) => eb.exists(eb.selectFrom('current_run').select('id')))
        .returning('id'),
    )
    .with('run', (db) =>
      db
        .updateTable('sync_runs as r')
        .from(['counts', 'current_run'])
        .set((eb) => ({
          inserted: eb('r.inserted', '+', eb.ref('counts.inserted')),
          updated: eb('r.updated', '+', eb.ref('counts.updated')),
          removed: eb('r.removed', '+', eb.ref('counts.removed')),
          accounts_synced: page.accountsSynced,
          ...(ends ? { outcome: 'SUCCEEDED', finished_at: sql<Date>`now()` } : {}),
          updated_at: sql<Date>`now()`,
        }))
        .whereRef('r.id', '=', 'current_run.id')
        .returning(['r.id', 'r.inserted', 'r.updated', 'r.removed']),
    )
    .with('ended', (db) =>
      db.selectFrom('run').select((eb) =>
        // The event's counts are the run's, as this statement leaves them.
        (ends
          ? notifyOf(
              sql<string>`(${page.endedEvent}::jsonb || jsonb_build_object(
                  'inserted', ${eb.ref('run.inserted')}, 'updated', ${eb.ref('run.updated')},
                  'removed', ${eb.ref('run.removed')}))::text`,
            )
          : sql`NULL`
        ).as('sent'),
      ),
    )
    .selectFrom('counts')
    .select((eb) => [
      'counts.inserted',
      'counts.updated',
      'counts.removed',
      eb.selectFrom('cursor_saved').select(sql<number>`count(*)::int`.as('n')).as('cursor_saved'),
      eb.selectFrom('current_run').select(sql<number>`count(*)::int`.as('n')).as('run_current'),
      // A CTE that only selects runs if the outer query reads it: this sends the final event.
      eb.selectFrom('ended').select(sql<number>`count(*)::int`.as('n')).as('ended'),
    ]);
}

/** A transaction's identity within the engine: its local account id and its utx id. */
export const transactionKey = (row: { accountId: string; utxId: string }) =>
  `${row.accountId}\u0000${row.utxId}`;

/**
 * Keeps one row per (account, utx_id): a statement cannot update the same row twice. The later
 * occurrence wins, except that a booked row is never replaced by a pending one.
 */
export function dedupeRows(rows: TransactionRow[]): TransactionRow[] {
  const byKey = new Map<string, TransactionRow>();
  for (const row of rows) {
    const key = transactionKey(row);
    const seen = byKey.get(key);
    if (seen && seen.status === 'booked' && row.status === 'pending') continue;
    byKey.set(key, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

/** A page's rows as its column arrays (PageColumns). */
export function transactionColumns(rows: TransactionRow[]): PageColumns {
  const n = rows.length;
  const c: PageColumns = {
    account_id: new Array(n),
    user_id: new Array(n),
    utx_id: new Array(n),
    finqware_id: new Array(n),
    status: new Array(n),
    amount: new Array(n),
    credit_debit_indicator: new Array(n),
    currency: new Array(n),
    booking_date: new Array(n),
    balance_after: new Array(n),
    description: new Array(n),
    counterparty: new Array(n),
    category: new Array(n),
    finqware_timestamp: new Array(n),
    raw: new Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i] as TransactionRow;
    c.account_id[i] = r.accountId;
    c.user_id[i] = r.userId;
    c.utx_id[i] = r.utxId;
    c.finqware_id[i] = r.finqwareId;
    c.status[i] = r.status;
    c.amount[i] = r.amount;
    c.credit_debit_indicator[i] = r.creditDebitIndicator;
    c.currency[i] = r.currency;
    c.booking_date[i] = r.bookingDate;
    c.balance_after[i] = r.balanceAfter;
    c.description[i] = r.description;
    c.counterparty[i] = r.counterparty;
    c.category[i] = r.category;
    c.finqware_timestamp[i] = r.finqwareTimestamp;
    c.raw[i] = r.raw;
  }
  return c;
}

/** What a page statement wrote: its rows, and the vanished pending rows it removed (the last page). */
export type PageCounts = { inserted: number; updated: number; removed: number };

const pageStatement = preparedQuery(writePageQuery);

/** A page statement's values other than the rows' columns, the cursor as the engine holds it. */
type PageRun = Omit<PageValues, keyof PageColumns | 'cursorJson'> & { cursor: Cursor };

/**
 * Writes one page and the cursor that follows it, atomically (writePageQuery); throws
 * SyncSupersededError, having written nothing, once a newer run of the consent has started.
 */
export async function writeTransactionPage(
  em: EntityManager,
  page: { rows: TransactionRow[]; cursor: Cursor; consentId: string; runId: string; accountsSynced: number },
): Promise<PageCounts> {
  const { rows, ...run } = page;
  return runPageStatement(em, dedupeRows(rows), run);
}

/**
 * Writes the walk's last page and ends its run SUCCEEDED in the same statement (writePageQuery).
 * `vanished` are the consent's local pending rows Finqware no longer lists, deleted if still
 * pending; `endedEvent` is the run's final event, whose counts the statement fills in. Throws
 * SyncSupersededError, having written nothing, once a newer run of the consent has started.
 */
export async function writeLastPage(
  em: EntityManager,
  page: {
    rows: TransactionRow[];
    cursor: Cursor;
    consentId: string;
    runId: string;
    accountsSynced: number;
    vanished: { accountId: string; utxId: string }[];
    endedEvent: string;
  },
): Promise<PageCounts> {
  const { rows: pageRows, vanished, ...run } = page;
  const rows = dedupeRows(pageRows);
  // A row of the page is the upsert's to write (its status decides), not the delete's.
  const written = new Set(rows.map(transactionKey));
  const gone = vanished.filter((r) => !written.has(transactionKey(r)));
  return runPageStatement(
    em,
    rows,
    gone.length === 0
      ? run
      : { ...run, goneAccountIds: gone.map((r) => r.accountId), goneUtxIds: gone.map((r) => r.utxId) },
  );
}

async function runPageStatement(
  em: EntityManager,
  rows: TransactionRow[],
  { cursor, ...run }: PageRun,
): Promise<PageCounts> {
  const [result] = await pageStatement(em, {
    ...transactionColumns(rows),
    ...run,
    cursorJson: JSON.stringify(cursor),
  });
  if (result && result.run_current === 0) throw new SyncSupersededError();
  if (result?.cursor_saved !== 1) throw new Error(`consent ${run.consentId} disappeared during its sync`);
  return { inserted: result.inserted, updated: result.updated, removed: result.removed };
}
