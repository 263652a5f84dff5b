import { randomUUID } from 'node:crypto';
import { type CatalogSkill, servicerOf } from '../catalog';
import { SPEC_CHOICES } from '../spec-choices';
import { MINUTE } from '../time';
import { opaqueToken } from '../tokens';
import {
  type AccountFactoryContext,
  accountsFor,
  type ConsentAccount,
  type HistoryOptions,
} from './consent-accounts';

export type ConsentStatus = 'ACTIVE' | 'DELETED' | 'EXPIRED';

export interface Consent {
  credentialsId: string;
  accessToken: string;
  tenantUserId: string;
  skill: CatalogSkill;
  createdAt: number;
  updatedAt: number;
  consentExp: number;
  maxDataRetention: number;
  status: ConsentStatus;
  history: HistoryOptions;
  /** The payment a PIS consent was issued for (payments/get reads it). */
  paymentId?: string;
  /** Built on first use. */
  accounts?: ConsentAccount[];
}

export interface ConsentTiming {
  consentDurationMinutes: number;
  cacheMaxDataRetentionMinutes: number;
}

/**
 * Every consent mutation goes through here, so `changed` sees them all: a state file is written on
 * change, never on a read.
 */
export class ConsentStore {
  private readonly byId = new Map<string, Consent>();

  constructor(
    private readonly ctx: AccountFactoryContext,
    private readonly timing: ConsentTiming,
    private readonly changed: () => void = () => {},
  ) {}

  /** Consents of an earlier run (a state file); not a change, so nothing is written back. */
  restore(consents: readonly Consent[]): void {
    for (const c of consents) this.byId.set(c.credentialsId, c);
  }

  create(input: {
    now: number;
    tenantUserId: string;
    skill: CatalogSkill;
    history: HistoryOptions;
    paymentId?: string;
  }): Consent {
    // Random on purpose: a restarted sandbox must never hand out a credentials id that a tenant
    // database already holds. Bank data (IBANs, amounts, utx_id) is what the seed makes deterministic.
    const credentialsId = randomUUID();
    const consent: Consent = {
      credentialsId,
      accessToken: opaqueToken('credentials'),
      tenantUserId: input.tenantUserId,
      skill: input.skill,
      createdAt: input.now,
      updatedAt: input.now,
      consentExp: input.now + this.timing.consentDurationMinutes * MINUTE,
      maxDataRetention: input.now + this.timing.cacheMaxDataRetentionMinutes * MINUTE,
      status: 'ACTIVE',
      history: input.history,
    };
    if (input.paymentId) consent.paymentId = input.paymentId;
    this.byId.set(credentialsId, consent);
    this.changed();
    return consent;
  }

  get(credentialsId: string): Consent | undefined {
    return this.byId.get(credentialsId);
  }

  all(): Consent[] {
    return [...this.byId.values()];
  }

  /** Expires every ACTIVE consent whose consent_exp has passed (the real job runs every 2 h). */
  expireDue(now: number): Consent[] {
    const expired: Consent[] = [];
    for (const c of this.byId.values()) {
      if (c.status === 'ACTIVE' && now >= c.consentExp) {
        c.status = 'EXPIRED';
        c.updatedAt = Math.max(c.updatedAt, c.consentExp);
        expired.push(c);
      }
    }
    if (expired.length > 0) this.changed();
    return expired;
  }

  forceExpire(c: Consent, now: number): void {
    if (c.status !== 'ACTIVE') return;
    c.status = 'EXPIRED';
    c.consentExp = Math.min(c.consentExp, now);
    c.updatedAt = now;
    this.changed();
  }

  /** consents/delete: idempotent; `pcdDataRetentionMinutes` moves max_data_retention. */
  delete(c: Consent, now: number, pcdDataRetentionMinutes?: number): void {
    if (c.status === 'ACTIVE' || (c.status === 'EXPIRED' && !SPEC_CHOICES.deleteKeepsExpired)) {
      c.status = 'DELETED';
      c.updatedAt = now;
    }
    if (pcdDataRetentionMinutes !== undefined) c.maxDataRetention = now + pcdDataRetentionMinutes * MINUTE;
    this.changed();
  }

  accountsOf(c: Consent): ConsentAccount[] {
    c.accounts ??= accountsFor(
      this.ctx,
      c.credentialsId,
      c.tenantUserId,
      c.skill,
      servicerOf(c.skill),
      c.history,
    );
    return c.accounts;
  }

  clear(): void {
    this.byId.clear();
    this.changed();
  }
}
