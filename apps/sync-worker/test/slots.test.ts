import { describe, expect, it } from 'vitest';
import { slotBatches } from '../src/worker';

describe('consent-sync slots', () => {
  it('fetch SYNC_FETCH_BATCH jobs each and add up to SYNC_CONCURRENCY', () => {
    expect(slotBatches(4, 1)).toEqual([1, 1, 1, 1]);
    expect(slotBatches(16, 4)).toEqual([4, 4, 4, 4]);
    expect(slotBatches(10, 4)).toEqual([4, 4, 2]);
    expect(slotBatches(2, 8)).toEqual([2]);
  });
});
