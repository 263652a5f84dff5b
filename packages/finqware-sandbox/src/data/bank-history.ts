import { hash as oneShotHash } from 'node:crypto';
import { hash32, unit } from '../hash';
import { DAY, isoSeconds } from '../time';
import {
  CURRENCY_SCALE,
  EMPLOYERS,
  KINDS,
  type KindSpec,
  MERCHANTS,
  PEOPLE,
  TRANSFER_REFS,
  type TxKind,
  UTILITIES,
} from './vocabulary';

// Salts: each attribute of row i draws from its own independent hash stream.
const S_TIME = 1;
const S_KIND = 2;
const S_AMOUNT = 3;
const S_WHO = 4;
const S_REF = 5;
const S_TWIN = 6;
const S_PEND = 7;
const S_FATE = 8;
const S_SETTLE = 9;

interface Text {
  info: string;
  category: string;
  /** null = the bank itself. */
  counterparty: string | null;
  location: string | null;
}

/** Every description a row can carry, built once: rows pick one by hash instead of formatting strings. */
const TEXTS: Record<TxKind, Text[]> = {
  card: MERCHANTS.map((m) => ({
    info: `POS ${m.name} ${m.city}`,
    category: m.category,
    counterparty: m.name,
    location: m.city,
  })),
  refund: MERCHANTS.map((m) => ({
    info: `Refund ${m.name}`,
    category: m.category,
    counterparty: m.name,
    location: m.city,
  })),
  transfer_out: PEOPLE.flatMap((p) =>
    TRANSFER_REFS.map((r) => ({
      info: `Transfer to ${p} - ${r}`,
      category: 'transfers',
      counterparty: p,
      location: null,
    })),
  ),
  transfer_in: PEOPLE.flatMap((p) =>
    TRANSFER_REFS.map((r) => ({
      info: `Transfer from ${p} - ${r}`,
      category: 'transfers',
      counterparty: p,
      location: null,
    })),
  ),
  utility: UTILITIES.map((u) => ({
    info: `Direct debit ${u}`,
    category: 'utilities',
    counterparty: u,
    location: null,
  })),
  atm: MERCHANTS.map((m) => ({
    info: `ATM withdrawal ${m.city}`,
    category: 'cash',
    counterparty: null,
    location: m.city,
  })),
  fee: [{ info: 'Monthly account maintenance fee', category: 'fees', counterparty: null, location: null }],
  salary: EMPLOYERS.map((e) => ({
    info: `Salary ${e}`,
    category: 'income',
    counterparty: e,
    location: null,
  })),
};

/** Share of odd rows that repeat the previous row exactly (same day, amount, text, counterparty). */
const TWIN_RATE = 0.06;
/** Share of card payments that show up as pending before they book. */
const PENDING_RATE = 0.5;
/** Pending rows book 1–3 days after their booking_date_time. */
export const MAX_SETTLE_MS = 3 * DAY;
const CHECKPOINT_EVERY = 2048;

export type PendingFate = 'in_place' | 'vanish' | 'replace';

export interface TxContent {
  kind: TxKind;
  direction: 'debit' | 'credit';
  cents: number;
  info: string;
  category: string;
  counterparty: string;
  location: string | null;
}

export interface HistoryParams {
  /** Seed of the bank account: (sandbox seed, tenant user, skill, account index). */
  seed: number;
  /** Time of row 0. */
  startMs: number;
  /** Mean gap between rows; row i books within [start + i·gap, start + (i+1)·gap). */
  spacingMs: number;
  currency: string;
  iban: string;
  bankName: string;
  openingCents: number;
}

/**
 * One bank account's infinite, lazily computed transaction sequence. Row i is a pure function of
 * (seed, i); booking time is non-decreasing in i, so a time window maps to an index range by
 * arithmetic plus a short binary search. Only prefix-sum checkpoints (one number per 2,048 rows)
 * are kept, which is what makes running balances cheap at any index.
 */
export class BankHistory {
  private readonly checkpoints: number[] = [0];
  private readonly scale: number;

  constructor(readonly p: HistoryParams) {
    this.scale = CURRENCY_SCALE[p.currency] ?? 1;
  }

  private rawTime(i: number): number {
    const offset = (i + unit(this.p.seed, i, S_TIME) * 0.98) * this.p.spacingMs;
    return this.p.startMs + Math.floor(offset / 1000) * 1000;
  }

  private kindOf(k: number): KindSpec {
    const u = unit(this.p.seed, k, S_KIND);
    let acc = 0;
    for (const spec of KINDS) {
      acc += spec.share;
      if (u < acc) return spec;
    }
    return KINDS[0]!;
  }

  private pendableBase(k: number): boolean {
    return this.kindOf(k).kind === 'card' && unit(this.p.seed, k, S_PEND) < PENDING_RATE;
  }

  /** Twins only start at odd rows whose predecessor is an ordinary booked row, so twins never chain. */
  isTwin(i: number): boolean {
    return i % 2 === 1 && unit(this.p.seed, i, S_TWIN) < TWIN_RATE && !this.pendableBase(i - 1);
  }

  /** The row whose content row i carries (itself, or its twin's original). */
  private base(i: number): number {
    return this.isTwin(i) ? i - 1 : i;
  }

  time(i: number): number {
    return this.rawTime(this.base(i));
  }

  pendable(i: number): boolean {
    return !this.isTwin(i) && this.pendableBase(i);
  }

  settleTime(i: number): number {
    const delay = DAY + Math.floor((unit(this.p.seed, i, S_SETTLE) * (MAX_SETTLE_MS - DAY)) / 1000) * 1000;
    return this.time(i) + delay;
  }

  fate(i: number): PendingFate {
    const u = unit(this.p.seed, i, S_FATE);
    return u < 0.1 ? 'vanish' : u < 0.2 ? 'replace' : 'in_place';
  }

  private cents(k: number, spec: KindSpec): number {
    const u = unit(this.p.seed, k, S_AMOUNT);
    // Squared draw: many small amounts, a few large ones.
    let cents = Math.round((spec.minCents + u * u * (spec.maxCents - spec.minCents)) * this.scale);
    if (spec.kind === 'atm') {
      const step = Math.round(5000 * this.scale);
      cents = Math.max(step, Math.round(cents / step) * step);
    }
    return Math.max(1, cents);
  }

  /** Signed cents of row i once everything pending has settled (vanishing rows count 0). */
  private eventualSigned(i: number): number {
    if (this.pendable(i) && this.fate(i) === 'vanish') return 0;
    const k = this.base(i);
    const spec = this.kindOf(k);
    const cents = this.cents(k, spec);
    return spec.direction === 'credit' ? cents : -cents;
  }

  signed(i: number): number {
    const k = this.base(i);
    const spec = this.kindOf(k);
    const cents = this.cents(k, spec);
    return spec.direction === 'credit' ? cents : -cents;
  }

  content(i: number): TxContent {
    const k = this.base(i);
    const spec = this.kindOf(k);
    const cents = this.cents(k, spec);
    const who = hash32(this.p.seed, k, S_WHO);
    const t = TEXTS[spec.kind];
    const text =
      t.length === 1
        ? t[0]!
        : t[
            (spec.kind === 'transfer_out' || spec.kind === 'transfer_in'
              ? who + 7 * hash32(this.p.seed, k, S_REF)
              : who) % t.length
          ]!;
    return {
      kind: spec.kind,
      direction: spec.direction,
      cents,
      info: text.info,
      category: text.category,
      counterparty: text.counterparty ?? this.p.bankName,
      location: text.location,
    };
  }

  /**
   * `utx_id`: Base64 SHA-256 over the stable attributes (§5.7). The occurrence index makes identical
   * twins distinct; a booked replacement of a pending row hashes with its own marker.
   */
  utxId(i: number, content: TxContent, replacement: boolean): string {
    const occurrence = this.isTwin(i) ? 1 : 0;
    return oneShotHash(
      'sha256',
      `${this.p.iban}|${isoSeconds(this.time(i))}|${content.cents}|${content.direction}|${content.info}|${occurrence}${replacement ? '|r' : ''}`,
      'base64',
    );
  }

  /** First index whose booking time is ≥ ms. */
  lowerBound(ms: number): number {
    if (ms <= this.p.startMs) return 0;
    const guess = Math.floor((ms - this.p.startMs) / this.p.spacingMs);
    let lo = Math.max(0, guess - 3);
    while (lo > 0 && this.time(lo) >= ms) lo = Math.max(0, lo - 16);
    if (this.time(lo) >= ms) return lo;
    let hi = lo + 4;
    while (this.time(hi) < ms) hi += 16;
    // Invariant: time(lo) < ms ≤ time(hi).
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if (this.time(mid) < ms) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /** Number of rows booked at or before ms (rows are whole seconds, so "≤ ms" is "< ms + 1"). */
  countUpTo(ms: number): number {
    return this.lowerBound(ms + 1);
  }

  /** Σ eventualSigned(j) for j < i, from the nearest checkpoint. */
  prefix(i: number): number {
    const k = Math.floor(i / CHECKPOINT_EVERY);
    while (this.checkpoints.length <= k) {
      const from = (this.checkpoints.length - 1) * CHECKPOINT_EVERY;
      let sum = this.checkpoints[this.checkpoints.length - 1]!;
      for (let j = from; j < from + CHECKPOINT_EVERY; j++) sum += this.eventualSigned(j);
      this.checkpoints.push(sum);
    }
    let sum = this.checkpoints[k]!;
    for (let j = k * CHECKPOINT_EVERY; j < i; j++) sum += this.eventualSigned(j);
    return sum;
  }

  /** Running balance after row i once booked. */
  runningBalance(i: number): number {
    return this.p.openingCents + this.prefix(i + 1);
  }

  /** Running balance after row i, given the balance before it (avoids re-walking the checkpoint). */
  nextBalance(before: number, i: number): number {
    return before + this.eventualSigned(i);
  }

  /** Booked balance at instant x: everything booked by x, pending rows excluded. */
  bookedBalanceAt(x: number): number {
    const end = this.countUpTo(x);
    let sum = this.p.openingCents + this.prefix(end);
    for (let j = end - 1; j >= 0 && this.time(j) > x - MAX_SETTLE_MS; j--) {
      if (this.pendable(j) && this.settleTime(j) > x && this.fate(j) !== 'vanish') sum -= this.signed(j);
    }
    return sum;
  }

  /** Signed sum of the rows pending at instant x. */
  pendingSumAt(x: number): number {
    const end = this.countUpTo(x);
    let sum = 0;
    for (let j = end - 1; j >= 0 && this.time(j) > x - MAX_SETTLE_MS; j--) {
      if (this.pendable(j) && this.settleTime(j) > x) sum += this.signed(j);
    }
    return sum;
  }
}
