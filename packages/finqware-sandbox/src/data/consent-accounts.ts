import type { CatalogServicer, CatalogSkill } from '../catalog';
import type { SandboxClock } from '../clock';
import { hash32, seedWords, uuidFrom, uuidFromWords } from '../hash';
import { DAY, startOfUtcDay } from '../time';
import { BankHistory, MAX_SETTLE_MS, type TxContent } from './bank-history';
import { ibanWithCheckDigits } from './iban';
import { ACCOUNT_TYPES, CURRENCY_SCALE, NICKNAMES, SERVICER_BANKS } from './vocabulary';

export type Volume = number | { min: number; max: number };

export interface HistoryOptions {
  transactionsPerAccount: Volume;
  days: number;
}

/** One transaction as one consent sees it at one instant. */
export interface TxRow {
  index: number;
  id: string;
  utxId: string;
  status: 'booked' | 'pending';
  content: TxContent;
  bookingMs: number;
  timestampMs: number;
  /** Running balance after the row, cents; null while pending. */
  balanceCents: number | null;
}

/** A bank account as seen through one consent: shared bank history, consent-specific ids. */
export class ConsentAccount {
  constructor(
    readonly index: number,
    readonly id: string,
    readonly history: BankHistory,
    readonly bic: string,
    readonly accountType: string,
    readonly accountSubType: string,
    readonly nickname: string,
    private readonly idSeeds: number[],
  ) {}

  get iban(): string {
    return this.history.p.iban;
  }

  get currency(): string {
    return this.history.p.currency;
  }

  /** Consent-specific transaction id; the booked replacement of a pending row gets a different one. */
  txId(i: number, replacement: boolean): string {
    const salt = replacement ? 101 : 100;
    const [a, b, c, d] = this.idSeeds as [number, number, number, number];
    return uuidFromWords(hash32(a, i, salt), hash32(b, i, salt), hash32(c, i, salt), hash32(d, i, salt));
  }

  /**
   * Row i as the consent created at `createdAt` sees it at the clock's now, or null when it is not
   * (yet, or any longer) visible. `after` is the running balance after row i once booked.
   */
  row(i: number, clock: SandboxClock, createdAt: number, after: number): TxRow | null {
    const h = this.history;
    const now = clock.now();
    const bookingMs = h.time(i);
    if (bookingMs > now) return null;
    const content = h.content(i);
    if (!h.pendable(i)) {
      return {
        index: i,
        id: this.txId(i, false),
        utxId: h.utxId(i, content, false),
        status: 'booked',
        content,
        bookingMs,
        timestampMs: clock.insertTime(bookingMs, createdAt),
        balanceCents: after,
      };
    }
    const settle = h.settleTime(i);
    if (settle > now) {
      return {
        index: i,
        id: this.txId(i, false),
        utxId: h.utxId(i, content, false),
        status: 'pending',
        content,
        bookingMs,
        timestampMs: clock.insertTime(bookingMs, createdAt),
        balanceCents: null,
      };
    }
    const fate = h.fate(i);
    if (fate === 'vanish') return null;
    const replacement = fate === 'replace';
    return {
      index: i,
      id: this.txId(i, replacement),
      utxId: h.utxId(i, content, replacement),
      status: 'booked',
      content,
      bookingMs,
      timestampMs: clock.insertTime(settle, createdAt),
      balanceCents: after,
    };
  }

  /** Number of rows visible now (no row is materialised). */
  visibleCount(now: number): number {
    const h = this.history;
    const end = h.countUpTo(now);
    let count = end;
    for (let i = 0; i < end; i++) {
      if (h.pendable(i) && h.fate(i) === 'vanish' && h.settleTime(i) <= now) count -= 1;
    }
    return count;
  }

  /** Index range [lo, hi) of rows that may have an insert timestamp within [min, max). */
  timestampCandidates(clock: SandboxClock, createdAt: number, min: number, max: number): [number, number] {
    const h = this.history;
    let lo = 0;
    if (min > createdAt) {
      const before = clock.lastBefore(min) ?? createdAt;
      lo = h.countUpTo(Math.max(before, createdAt) - MAX_SETTLE_MS);
    }
    if (max <= createdAt) return [0, 0];
    const upper = clock.lastBefore(max);
    const hi = upper === undefined ? 0 : h.countUpTo(upper);
    return [lo, hi];
  }
}

export interface AccountFactoryContext {
  seed: string;
  clockStartMs: number;
  /** Shared across consents so prefix-sum checkpoints are computed once per bank account. */
  histories: Map<string, BankHistory>;
}

function volumeFor(volume: Volume, seed: number): number {
  if (typeof volume === 'number') return Math.max(1, Math.floor(volume));
  const min = Math.max(1, Math.floor(volume.min));
  const max = Math.max(min, Math.floor(volume.max));
  return min + (seed % (max - min + 1));
}

function digits(words: number[], count: number): string {
  let out = '';
  for (let i = 0; out.length < count; i++) out += String(words[i % words.length]! % 100_000).padStart(5, '0');
  return out.slice(0, count);
}

/**
 * The bank accounts behind a consent. The bank side (count, IBAN, currency, history) depends only on
 * (seed, tenant user, skill, volume), so two consents of the same user on the same skill see the same
 * accounts and `utx_id`s; ids derive from the credentials id.
 */
export function accountsFor(
  ctx: AccountFactoryContext,
  credentialsId: string,
  tenantUserId: string,
  skill: CatalogSkill,
  servicer: CatalogServicer,
  history: HistoryOptions,
): ConsentAccount[] {
  if (skill.kind !== 'aisp') return [];
  const bank = SERVICER_BANKS[skill.servicer] ?? SERVICER_BANKS.xyz!;
  const userWords = seedWords(ctx.seed, tenantUserId, skill.code, 'accounts');
  const count = 1 + (userWords[0]! % 4);
  const accounts: ConsentAccount[] = [];
  for (let j = 0; j < count; j++) {
    const w = seedWords(ctx.seed, tenantUserId, skill.code, j);
    const rows = volumeFor(history.transactionsPerAccount, w[1]!);
    const key = `${tenantUserId}\u001f${skill.code}\u001f${j}\u001f${rows}\u001f${history.days}`;
    let h = ctx.histories.get(key);
    if (!h) {
      const currency = j === 0 ? bank.currencies[0]! : bank.currencies[w[2]! % bank.currencies.length]!;
      const bban =
        bank.country === 'HR' ? `${bank.bankCode}${digits(w, 10)}` : `${bank.bankCode}${digits(w, 16)}`;
      const scale = CURRENCY_SCALE[currency] ?? 1;
      h = new BankHistory({
        seed: w[3]!,
        startMs: startOfUtcDay(ctx.clockStartMs) - history.days * DAY,
        spacingMs: (history.days * DAY) / rows,
        currency,
        iban: ibanWithCheckDigits(bank.country, bban),
        bankName: servicer.name,
        openingCents: Math.round((300_000 + (w[4]! % 1_500_000)) * scale),
      });
      ctx.histories.set(key, h);
    }
    const type = ACCOUNT_TYPES[w[5]! % ACCOUNT_TYPES.length]!;
    const idWords = seedWords('consent-account', credentialsId, j);
    accounts.push(
      new ConsentAccount(
        j,
        uuidFrom('account', credentialsId, j),
        h,
        bank.bic,
        type.type,
        type.subType,
        NICKNAMES[w[6]! % NICKNAMES.length]!,
        idWords.slice(0, 4),
      ),
    );
  }
  return accounts;
}
