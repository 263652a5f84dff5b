/**
 * Sandbox time. It stands still between `advance` calls, so everything a test reads is stable, and
 * it only moves forward. Every instant the clock has shown is kept (a handful of numbers): an insert
 * `timestamp` is "the first instant at which the row was visible", which is computed, not stored.
 */
export class SandboxClock {
  private instants: number[];

  /** `shown` restores the instants of an earlier run (a state file); its first one is the start. */
  constructor(
    readonly startMs: number,
    shown?: readonly number[],
  ) {
    this.instants = shown?.length ? [...shown] : [Math.floor(startMs / 1000) * 1000];
  }

  now(): number {
    return this.instants[this.instants.length - 1]!;
  }

  advance(ms: number): number {
    if (!(ms > 0)) return this.now();
    this.instants.push(this.now() + Math.round(ms / 1000) * 1000);
    return this.now();
  }

  /** Every instant shown so far, oldest first: what a restart needs to compute the same timestamps. */
  shown(): readonly number[] {
    return this.instants;
  }

  reset(): void {
    this.instants = [this.instants[0]!];
  }

  /** Insert time of something that became true at `x`, for a consent created at `createdAt`. */
  insertTime(x: number, createdAt: number): number {
    if (x <= createdAt) return createdAt;
    let lo = 0;
    let hi = this.instants.length - 1;
    if (this.instants[hi]! < x) return x; // not yet visible; callers never ask
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.instants[mid]! >= x) hi = mid;
      else lo = mid + 1;
    }
    return this.instants[lo]!;
  }

  /** Largest instant strictly before x, or undefined. */
  lastBefore(x: number): number | undefined {
    let found: number | undefined;
    for (const t of this.instants) {
      if (t < x) found = t;
      else break;
    }
    return found;
  }
}
