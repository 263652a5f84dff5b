import { type CatalogServicer, type CatalogSkill, servicerOf } from '../catalog';
import type { SandboxClock } from '../clock';
import { centsToString } from '../decimal';
import { uuidFrom } from '../hash';
import { isoDate, isoNaiveMicros, isoSeconds, startOfUtcDay } from '../time';
import type { ConsentAccount, TxRow } from './consent-accounts';
import { type BalanceQuery, NO_LIMIT, type TxQuery } from './filters';

/** Wire shapes of the data endpoints (§3.4–3.6). */

export function servicerId(servicer: CatalogServicer): string {
  return uuidFrom('servicer', servicer.code);
}

interface BalanceFigures {
  type: string;
  cents: number;
  nativeDate: string | null;
  nativeTimestamp: string | null;
}

function figures(acc: ConsentAccount, now: number): BalanceFigures[] {
  const h = acc.history;
  const booked = h.bookedBalanceAt(now);
  const endOfYesterday = startOfUtcDay(now) - 1000;
  return [
    {
      type: 'ClosingBooked',
      cents: h.bookedBalanceAt(endOfYesterday),
      nativeDate: isoDate(endOfYesterday),
      nativeTimestamp: null,
    },
    { type: 'InterimBooked', cents: booked, nativeDate: null, nativeTimestamp: isoSeconds(now) },
    { type: 'InterimAvailable', cents: booked, nativeDate: null, nativeTimestamp: isoSeconds(now) },
    { type: 'Expected', cents: booked + h.pendingSumAt(now), nativeDate: null, nativeTimestamp: null },
  ];
}

const direction = (cents: number) => (cents < 0 ? 'debit' : 'credit');

export function accountJson(acc: ConsentAccount, skill: CatalogSkill, now: number) {
  const servicer = servicerOf(skill);
  const embedded = figures(acc, now).filter((f) => f.type === 'InterimAvailable' || f.type === 'Expected');
  return {
    id: acc.id,
    servicer_id: servicerId(servicer),
    servicer_name: servicer.name,
    timestamp: isoSeconds(now),
    data: {
      account_schemes: [
        { scheme_name: 'IBAN', identification: acc.iban },
        { scheme_name: 'BICFI', identification: acc.bic },
      ],
      balances: embedded.map((f) => ({
        balance_amount: centsToString(Math.abs(f.cents)),
        balance_currency: acc.currency,
        balance_type: f.type,
        credit_limit_included: false,
        credit_debit_indicator: direction(f.cents),
      })),
      account_type: acc.accountType,
      account_sub_type: acc.accountSubType,
      currency: acc.currency,
      name: '',
      nickname: acc.nickname,
    },
  };
}

export function balancesJson(accounts: ConsentAccount[], now: number, q: BalanceQuery) {
  const out = [];
  for (const acc of accounts) {
    if (q.accountId !== undefined && acc.id !== q.accountId) continue;
    if (q.currency !== undefined && acc.currency !== q.currency) continue;
    for (const f of figures(acc, now)) {
      if (q.type !== undefined && f.type !== q.type) continue;
      out.push({
        id: uuidFrom('balance', acc.id, f.type),
        account_id: acc.id,
        timestamp: isoNaiveMicros(now),
        data: {
          amount: centsToString(Math.abs(f.cents)),
          credit_debit_indicator: direction(f.cents),
          credit_limit_included: false,
          credit_line: null,
          currency: acc.currency,
          native_date: f.nativeDate,
          native_timestamp: f.nativeTimestamp,
          type: f.type,
        },
      });
    }
  }
  return out;
}

/**
 * Visits the rows of one account that match the query, in index (booking time) order. The index range
 * comes from the booking and timestamp windows by arithmetic; only rows inside it are computed.
 */
export function scanAccount(
  acc: ConsentAccount,
  clock: SandboxClock,
  createdAt: number,
  query: TxQuery | undefined,
  visit: (row: TxRow) => void,
): void {
  const q = query ?? NO_LIMIT;
  if (q.accountId !== undefined && acc.id !== q.accountId) return;
  if (q.currency !== undefined && acc.currency !== q.currency) return;
  if (q.centsMin > q.centsMax || q.bookingMin >= q.bookingMax || q.tsMin >= q.tsMax) return;
  const h = acc.history;
  const now = clock.now();
  let lo = Number.isFinite(q.bookingMin) ? h.lowerBound(q.bookingMin) : 0;
  let hi = h.countUpTo(Math.min(now, Number.isFinite(q.bookingMax) ? q.bookingMax - 1 : now));
  if (Number.isFinite(q.tsMin) || Number.isFinite(q.tsMax)) {
    const [tlo, thi] = acc.timestampCandidates(clock, createdAt, q.tsMin, q.tsMax);
    lo = Math.max(lo, tlo);
    hi = Math.min(hi, thi);
  }
  if (lo >= hi) return;
  let balance = h.p.openingCents + h.prefix(lo);
  for (let i = lo; i < hi; i++) {
    balance = h.nextBalance(balance, i);
    const row = acc.row(i, clock, createdAt, balance);
    if (row === null) continue;
    if (q.status !== undefined && row.status !== q.status) continue;
    if (q.creditDebit !== undefined && row.content.direction !== q.creditDebit) continue;
    if (q.category !== undefined && row.content.category !== q.category) continue;
    const cents = row.content.cents;
    if (cents < q.centsMin || cents > q.centsMax) continue;
    if (row.bookingMs < q.bookingMin || row.bookingMs >= q.bookingMax) continue;
    if (row.timestampMs < q.tsMin || row.timestampMs >= q.tsMax) continue;
    visit(row);
  }
}

export function transactionJson(acc: ConsentAccount, row: TxRow) {
  const c = row.content;
  return {
    id: row.id,
    utx_id: row.utxId,
    account_id: acc.id,
    timestamp: isoSeconds(row.timestampMs),
    data: {
      amount: centsToString(c.cents),
      balance: row.balanceCents === null ? null : centsToString(row.balanceCents),
      booking_date_time: isoSeconds(row.bookingMs),
      credit_debit_indicator: c.direction,
      currency: acc.currency,
      info: c.info,
      status: row.status,
      details: {
        attach: [],
        category: c.category,
        location: c.location,
        merchant: c.counterparty,
        tags: [c.kind],
      },
      exchange_rate: null,
    },
  };
}

const q = JSON.stringify;

/**
 * The same document as `JSON.stringify(transactionJson(acc, row))`, written directly: serving pages of
 * thousands of rows is the sandbox's hot path, and skipping the intermediate objects halves its cost.
 * A test pins the two to the same bytes.
 */
export function transactionJsonText(acc: ConsentAccount, row: TxRow): string {
  const c = row.content;
  const balance = row.balanceCents === null ? 'null' : `"${centsToString(row.balanceCents)}"`;
  return `{"id":"${row.id}","utx_id":"${row.utxId}","account_id":"${acc.id}","timestamp":"${isoSeconds(row.timestampMs)}","data":{"amount":"${centsToString(c.cents)}","balance":${balance},"booking_date_time":"${isoSeconds(row.bookingMs)}","credit_debit_indicator":"${c.direction}","currency":${q(acc.currency)},"info":${q(c.info)},"status":"${row.status}","details":{"attach":[],"category":${q(c.category)},"location":${c.location === null ? 'null' : q(c.location)},"merchant":${q(c.counterparty)},"tags":["${c.kind}"]},"exchange_rate":null}}`;
}
