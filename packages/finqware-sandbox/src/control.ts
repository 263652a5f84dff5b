import type { SandboxCore, Truth } from './core';
import { type FaultOptions, type FaultState, normaliseFaults } from './faults';
import type { SigningOptions } from './signing';
import type { StatsSnapshot } from './stats';
import { isoSeconds } from './time';

/** The control operations, callable in-process; the /_sandbox routes are thin wrappers over these. */
export interface SandboxControl {
  now(): string;
  advanceClock(input: { advanceDays?: number; advanceMinutes?: number }): { now: string };
  setFaults(input: FaultOptions): FaultState;
  faults(): FaultState;
  truth(input?: { credentialsId?: string; summary?: boolean }): Truth;
  createConsent(input: {
    tenantUserId: string;
    skill: string;
    transactionsPerAccount?: number | { min: number; max: number };
    days?: number;
  }): { credentialsId: string; accessToken: string; consentExp: string; maxDataRetention: string };
  expireConsent(input: { credentialsId: string }): { credentialsId: string; status: string };
  stats(): StatsSnapshot;
  resetStats(): void;
  setSigning(input: SigningOptions | null): void;
  reset(): void;
}

export function createControl(core: SandboxCore): SandboxControl {
  return {
    now: () => isoSeconds(core.now()),
    advanceClock: (input) => core.advanceClock(input),
    setFaults: (input) => {
      const state = normaliseFaults(input);
      core.faults.set(state);
      return state;
    },
    faults: () => core.faults.current,
    truth: (input) => core.truth(input),
    createConsent: (input) => core.mintConsent(input),
    expireConsent: (input) => core.expireConsent(input),
    stats: () => core.stats.snapshot(),
    resetStats: () => core.stats.reset(),
    setSigning: (input) => core.setSigning(input),
    reset: () => core.reset(),
  };
}

export const CONTROL_ROUTES = [
  'GET  /_sandbox/clock                       → { now }',
  'POST /_sandbox/clock { advanceDays?, advanceMinutes? } → { now }',
  'GET  /_sandbox/faults                      → current fault settings',
  'POST /_sandbox/faults { rate, kinds, latencyMs?, retryAfterSeconds?, baseLatencyMs?, endpoints?, paymentRejectRate? }',
  'GET  /_sandbox/truth[?credentialsId=…][&summary=1] → { now, consents, payments }',
  'POST /_sandbox/consents { tenantUserId, skill, transactionsPerAccount?, days? } → { credentialsId, accessToken, consentExp }',
  'POST /_sandbox/consents/expire { credentialsId }',
  'GET  /_sandbox/stats',
  'POST /_sandbox/stats/reset',
  'POST /_sandbox/signing { publicKeyPem, keyId?, serviceAccountEmail? } (or null to remove)',
  'POST /_sandbox/reset',
];
