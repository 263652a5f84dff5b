import type { CatalogSkill } from './catalog';
import { SandboxClock } from './clock';
import type { BankHistory } from './data/bank-history';
import type { HistoryOptions } from './data/consent-accounts';
import { type Consent, ConsentStore } from './data/consents';
import { type Payment, PaymentStore, paymentStatusAt } from './data/payments';
import { scanAccount } from './data/views';
import { centsToString } from './decimal';
import { badRequest } from './errors';
import { FaultInjector, normaliseFaults } from './faults';
import type { SandboxOptions } from './options';
import { SessionEngine } from './sessions';
import { SignatureVerifier, type SigningOptions } from './signing';
import { SPEC_CHOICES } from './spec-choices';
import type { SandboxState } from './state/format';
import { RequestStats } from './stats';
import { DAY, isoSeconds, MINUTE } from './time';

export interface TruthTransaction {
  id: string;
  utxId: string;
  status: 'booked' | 'pending';
  /** Signed decimal string: debits negative (like our database), e.g. "-4.27". */
  amount: string;
  creditDebitIndicator: 'credit' | 'debit';
  currency: string;
  bookingDate: string;
  timestamp: string;
}

export interface TruthAccount {
  accountId: string;
  iban: string;
  currency: string;
  transactionCount: number;
  transactions?: TruthTransaction[];
}

export interface TruthConsent {
  credentialsId: string;
  tenantUserId: string;
  skill: string;
  status: Consent['status'];
  consentExp: string;
  accounts: TruthAccount[];
}

/** A payment the bank made (the PSU approved it), whether or not the tenant ever learned of it. */
export interface TruthPayment {
  paymentId: string;
  tenantUserId: string;
  skill: string;
  /** The bank's status now (pain.002-like, SPEC_CHOICES.paymentStatuses). */
  status: string;
  statusReason?: string;
  /** Exact positive decimal string, e.g. "150.25". */
  amount: string;
  currency: string;
  debtorIban: string;
  creditorIban: string;
  creditorName: string;
  endToEndId?: string;
  executionDate?: string;
  /** When the PSU approved it (sandbox time). */
  createdAt: string;
  /** The PIS consent the temp token was exchanged for, once it was. */
  credentialsId?: string;
}

export interface Truth {
  now: string;
  consents: TruthConsent[];
  /** Every payment made, oldest first (only the consent's own payment when credentialsId is given). */
  payments: TruthPayment[];
}

const MAX_MINTED_VOLUME = 5_000_000;

/** The sandbox time `options` ask to start at: clock.now, or the real now. */
export function startTimeOf(options: SandboxOptions): number {
  const start = options.clock?.now !== undefined ? new Date(options.clock.now).getTime() : Date.now();
  if (Number.isNaN(start)) throw new Error('startSandbox: clock.now is not a valid date');
  return start;
}

/** All sandbox state and the operations on it, independent of HTTP (the control API calls these directly). */
export class SandboxCore {
  readonly clock: SandboxClock;
  readonly consents: ConsentStore;
  readonly payments: PaymentStore;
  readonly sessions: SessionEngine;
  readonly faults: FaultInjector;
  readonly stats = new RequestStats();
  readonly strictUnknownFields: boolean;
  readonly seed: string;
  readonly history: HistoryOptions;
  private readonly histories = new Map<string, BankHistory>();
  signing: SignatureVerifier | null;
  /** Called after consents or the clock changed (not on reads); the state file hooks in here. */
  onChange: () => void = () => {};

  /**
   * `restored` (from a state file) replaces the seed and the clock of `options`: bank data is a
   * function of (seed, clock start, consent), so a restored consent serves the same rows only in the
   * world it was created in. See `resumeAt` for where its time goes on.
   */
  constructor(options: SandboxOptions, restored?: SandboxState) {
    this.seed = restored?.seed ?? String(options.seed ?? 'finqware-sandbox');
    this.clock = restored
      ? new SandboxClock(restored.instants[0]!, restored.instants)
      : new SandboxClock(startTimeOf(options));
    this.history = {
      transactionsPerAccount: options.history?.transactionsPerAccount ?? { min: 200, max: 800 },
      days: options.history?.days ?? 365,
    };
    this.consents = new ConsentStore(
      { seed: this.seed, clockStartMs: this.clock.startMs, histories: this.histories },
      {
        consentDurationMinutes: options.consentDurationMinutes ?? SPEC_CHOICES.consentDurationMinutes,
        cacheMaxDataRetentionMinutes:
          options.cacheMaxDataRetentionMinutes ?? SPEC_CHOICES.cacheMaxDataRetentionMinutes,
      },
      () => this.onChange(),
    );
    if (restored) this.consents.restore(restored.consents);
    this.payments = new PaymentStore(() => this.onChange());
    if (restored) this.payments.restore(restored.payments);
    this.faults = new FaultInjector(normaliseFaults(options.faults ?? { rate: 0 }), this.seed);
    this.sessions = new SessionEngine(
      () => this.clock.now(),
      (session) =>
        this.payments.approve({
          tenantUserId: session.tenantUserId,
          skill: session.skill,
          createdAt: this.clock.now(),
          instruction: session.payment,
          data: session.collected,
          ...(this.faults.rejectsPayment() ? { rejectReason: SPEC_CHOICES.paymentRejectReason } : {}),
        }).paymentId,
    );
    this.strictUnknownFields = options.strictUnknownFields ?? SPEC_CHOICES.strictUnknownFieldsDefault;
    this.signing = options.signing ? new SignatureVerifier(options.signing) : null;
  }

  now(): number {
    return this.clock.now();
  }

  /** Moves sandbox time forward; new rows appear, pending rows settle, due consents expire. */
  advanceClock(input: { advanceDays?: number; advanceMinutes?: number }): { now: string } {
    const days = input.advanceDays ?? 0;
    const minutes = input.advanceMinutes ?? 0;
    if (
      typeof days !== 'number' ||
      typeof minutes !== 'number' ||
      days < 0 ||
      minutes < 0 ||
      days + minutes <= 0
    ) {
      throw badRequest('invalid_field', 'advanceDays and/or advanceMinutes must be positive numbers');
    }
    this.moveClock(days * DAY + minutes * MINUTE);
    return { now: isoSeconds(this.clock.now()) };
  }

  /**
   * A restored sandbox goes on from where it stopped, or from `startMs` when that is later: time never
   * goes back, and a restart after a day off shows a day of new rows, settled pending rows and due
   * expiries, as the real API would after the same day.
   */
  resumeAt(startMs: number): void {
    const ahead = startMs - this.clock.now();
    if (ahead >= 1000) this.moveClock(ahead);
  }

  private moveClock(ms: number): void {
    this.clock.advance(ms);
    this.consents.expireDue(this.clock.now());
    this.onChange();
  }

  mintConsent(input: {
    tenantUserId?: unknown;
    skill?: unknown;
    transactionsPerAccount?: unknown;
    days?: unknown;
  }): { credentialsId: string; accessToken: string; consentExp: string; maxDataRetention: string } {
    if (typeof input.tenantUserId !== 'string' || input.tenantUserId === '') {
      throw badRequest('missing_fields', 'tenantUserId (string) is required');
    }
    if (typeof input.skill !== 'string') throw badRequest('missing_fields', 'skill (string) is required');
    const skill = this.sessions.resolveSkill(input.skill);
    const history: HistoryOptions = { ...this.history };
    if (input.transactionsPerAccount !== undefined) {
      const v = input.transactionsPerAccount;
      const ok =
        (typeof v === 'number' && v >= 1 && v <= MAX_MINTED_VOLUME) ||
        (typeof v === 'object' &&
          v !== null &&
          typeof (v as { min?: unknown }).min === 'number' &&
          typeof (v as { max?: unknown }).max === 'number');
      if (!ok)
        throw badRequest(
          'invalid_field',
          `transactionsPerAccount must be 1..${MAX_MINTED_VOLUME} or { min, max }`,
        );
      history.transactionsPerAccount = v as HistoryOptions['transactionsPerAccount'];
    }
    if (input.days !== undefined) {
      if (typeof input.days !== 'number' || !(input.days > 0))
        throw badRequest('invalid_field', 'days must be a positive number');
      history.days = input.days;
    }
    const consent = this.consents.create({
      now: this.now(),
      tenantUserId: input.tenantUserId,
      skill,
      history,
    });
    return {
      credentialsId: consent.credentialsId,
      accessToken: consent.accessToken,
      consentExp: isoSeconds(consent.consentExp),
      maxDataRetention: isoSeconds(consent.maxDataRetention),
    };
  }

  /** The consent a temp token stands for (token exchange). */
  consentFromSession(record: { tenantUserId: string; skill: CatalogSkill; paymentId?: string }): Consent {
    return this.consents.create({
      now: this.now(),
      tenantUserId: record.tenantUserId,
      skill: record.skill,
      history: this.history,
      ...(record.paymentId ? { paymentId: record.paymentId } : {}),
    });
  }

  /** The payment of a PIS consent (payments/get). */
  paymentOf(consent: Consent): Payment | undefined {
    return consent.paymentId ? this.payments.get(consent.paymentId) : undefined;
  }

  expireConsent(input: { credentialsId?: unknown }): { credentialsId: string; status: string } {
    const consent =
      typeof input.credentialsId === 'string' ? this.consents.get(input.credentialsId) : undefined;
    if (!consent) throw badRequest('invalid_credentials_id', 'credentialsId is not a known consent');
    this.consents.forceExpire(consent, this.now());
    return { credentialsId: consent.credentialsId, status: consent.status };
  }

  truth(input: { credentialsId?: string; summary?: boolean } = {}): Truth {
    const now = this.now();
    const selected = input.credentialsId
      ? [this.consents.get(input.credentialsId)].filter((c): c is Consent => c !== undefined)
      : this.consents.all();
    const credentialsOf = new Map<string, string>();
    for (const c of this.consents.all()) if (c.paymentId) credentialsOf.set(c.paymentId, c.credentialsId);
    const payments = input.credentialsId
      ? selected.map((c) => this.paymentOf(c)).filter((p): p is Payment => p !== undefined)
      : this.payments.all();
    return {
      now: isoSeconds(now),
      payments: payments
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((p) => {
          const at = paymentStatusAt(p, now);
          const credentialsId = credentialsOf.get(p.paymentId);
          const { instruction: i } = p;
          return {
            paymentId: p.paymentId,
            tenantUserId: p.tenantUserId,
            skill: p.skill.code,
            status: at.status,
            ...(at.reason ? { statusReason: at.reason } : {}),
            amount: i.amount,
            currency: i.currency,
            debtorIban: i.debtorIban,
            creditorIban: i.creditorIban,
            creditorName: i.creditorName,
            ...(i.endToEndId ? { endToEndId: i.endToEndId } : {}),
            ...(i.executionDate ? { executionDate: i.executionDate } : {}),
            createdAt: isoSeconds(p.createdAt),
            ...(credentialsId ? { credentialsId } : {}),
          };
        }),
      consents: selected.map((c) => ({
        credentialsId: c.credentialsId,
        tenantUserId: c.tenantUserId,
        skill: c.skill.code,
        status: c.status,
        consentExp: isoSeconds(c.consentExp),
        // What Finqware would serve right now: nothing once the consent is not ACTIVE.
        accounts:
          c.status !== 'ACTIVE'
            ? []
            : this.consents.accountsOf(c).map((acc) => {
                if (input.summary) {
                  return {
                    accountId: acc.id,
                    iban: acc.iban,
                    currency: acc.currency,
                    transactionCount: acc.visibleCount(now),
                  };
                }
                const transactions: TruthTransaction[] = [];
                let count = 0;
                scanAccount(acc, this.clock, c.createdAt, undefined, (row) => {
                  count += 1;
                  const signed = row.content.direction === 'debit' ? -row.content.cents : row.content.cents;
                  transactions.push({
                    id: row.id,
                    utxId: row.utxId,
                    status: row.status,
                    amount: centsToString(signed),
                    creditDebitIndicator: row.content.direction,
                    currency: acc.currency,
                    bookingDate: isoSeconds(row.bookingMs),
                    timestamp: isoSeconds(row.timestampMs),
                  });
                });
                return {
                  accountId: acc.id,
                  iban: acc.iban,
                  currency: acc.currency,
                  transactionCount: count,
                  transactions,
                };
              }),
      })),
    };
  }

  /** What a state file holds: enough to serve the same consents and rows after a restart. */
  state(): SandboxState {
    return {
      seed: this.seed,
      instants: [...this.clock.shown()],
      consents: this.consents.all(),
      payments: this.payments.all(),
    };
  }

  setSigning(options: SigningOptions | null): void {
    this.signing = options ? new SignatureVerifier(options) : null;
  }

  reset(): void {
    this.clock.reset();
    this.consents.clear();
    this.payments.clear();
    this.sessions.clear();
    this.faults.reset();
    this.stats.reset();
    this.histories.clear();
    this.onChange();
  }
}
