import { describe, expect, it } from 'vitest';
import { parseSoakOptions } from '../src/soak/options';
import { formatReport } from '../src/soak/report';
import { runSoak } from '../src/soak/run';

/**
 * The short chaos soak (what `pnpm soak --short` runs): 60 consents, 20% faults of every kind,
 * two worker processes SIGKILLed at random and one in the middle of a fan-out on purpose, the
 * sandbox clock advancing between fan-outs, and 15 payments initiated through the api with retried
 * requests; then faults off, one clean fan-out, and every transaction and payment compared with the
 * sandbox's truth. The settle phase runs on the queues' real
 * failure detection, and throws (naming the stuck jobs) when nothing moves for longer.
 */
describe('chaos soak (short)', () => {
  it('loses, duplicates, leaves behind and corrupts nothing', async () => {
    const result = await runSoak(parseSoakOptions(['--short'], {}), () => undefined);
    console.log(formatReport(result));
    expect(result.comparison.compared).toBeGreaterThan(10_000);
    expect(result.workerKills).toBeGreaterThan(0);
    // The killed fan-out was retried and completed; nothing is left in the queue.
    expect(result.fanoutKills.midway).toBe(1);
    expect(result.jobs.fanouts.retried).toBeGreaterThanOrEqual(1);
    expect(Object.keys(result.jobs.fanouts.byState)).toEqual(['completed']);
    expect(result.faultsInjected).toBeGreaterThan(0);
    // Payments: each key sent 1–3 times (some at once) through the api under the same chaos.
    expect(result.payments.madeAtBank).toBeGreaterThan(0);
    expect({
      double: result.payments.double,
      lost: result.payments.lost,
      wrong: result.payments.wrong,
      notFinal: result.payments.notFinal,
    }).toEqual({ double: 0, lost: 0, wrong: 0, notFinal: 0 });
    expect({
      lost: result.comparison.lost,
      duplicated: result.comparison.duplicated,
      extra: result.comparison.extra,
      wrong: result.comparison.wrong,
      notActive: result.consents - (result.consentStatuses.ACTIVE ?? 0),
    }).toEqual({ lost: 0, duplicated: 0, extra: 0, wrong: 0, notActive: 0 });
  }, 240_000);
});
