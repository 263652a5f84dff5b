import { describe, expect, it } from 'vitest';
import { SandboxCore } from '../src/core';
import { scanAccount, transactionJson, transactionJsonText } from '../src/data/views';

describe('hand-written transaction serialiser', () => {
  it('writes exactly the bytes JSON.stringify writes for the same row, pending and booked', () => {
    const core = new SandboxCore({
      seed: 'ser',
      clock: { now: '2025-06-01T12:00:00Z' },
      history: { transactionsPerAccount: 3000 },
    });
    const minted = core.mintConsent({ tenantUserId: 'u', skill: 'erste_hr_aisp_sbx_#1.0' });
    const consent = core.consents.get(minted.credentialsId)!;
    let pending = 0;
    let n = 0;
    for (const acc of core.consents.accountsOf(consent)) {
      scanAccount(acc, core.clock, consent.createdAt, undefined, (row) => {
        n += 1;
        if (row.status === 'pending') pending += 1;
        expect(transactionJsonText(acc, row)).toBe(JSON.stringify(transactionJson(acc, row)));
      });
    }
    expect(n).toBeGreaterThan(2500);
    expect(pending).toBeGreaterThan(0);
  });
});
