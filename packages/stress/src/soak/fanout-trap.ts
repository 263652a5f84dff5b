import { QUEUES } from '@tenant/domain';
import type { ManagedProcess } from '@tenant/spawn';
import type { Sql } from './queue';

const PROGRESS = '"msg":"sync fan-out progress"';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Kills workers in the middle of fan-outs, on purpose rather than by chance. Each `arm()` asks
 * for one such kill: the next worker that logs a committed fan-out batch past half of the
 * consents (and before the last) gets a SIGKILL at once, then is restarted like any killed
 * worker. Late rather than early, so most of that round's syncs still run under chaos while the
 * rest wait for the fan-out's retry. A kill counts as mid-way only if the fan-out's job had not
 * completed when the worker died; otherwise the trap stays armed for the next fan-out.
 *
 * The soak's random kills (`killed`) count too when they land in a fan-out first: that fan-out's
 * retry may come only after the chaos, when the trap no longer springs, and its worker died
 * mid-way all the same.
 */
export class FanoutTrap {
  private armed = 0;
  private springing: Promise<void> | undefined;
  /** SIGKILLs sent, and those that landed before the fan-out's job completed. */
  readonly kills = { sent: 0, midway: 0 };
  /** The fan-out each worker is in the middle of, from its last progress line. */
  private readonly inFlight = new Map<ManagedProcess, Progress>();

  constructor(
    private readonly deps: { sql: Sql; say: (line: string) => void; restartDelayMs: () => number },
  ) {}

  arm(): void {
    this.armed++;
  }

  /** Stops springing; resolves once a kill under way has restarted its worker. */
  async disarm(): Promise<void> {
    this.armed = 0;
    await this.springing;
  }

  /** Give it every line a worker writes. */
  onLine(worker: ManagedProcess, line: string): void {
    if (!line.includes(PROGRESS)) return;
    let progress: Progress;
    try {
      progress = JSON.parse(line);
    } catch {
      return;
    }
    if (progress.consents >= progress.total) {
      this.inFlight.delete(worker);
      return;
    }
    this.inFlight.set(worker, progress);
    if (this.armed === 0 || this.springing || progress.consents < progress.total / 2) return;
    this.springing = this.spring(worker, progress).finally(() => {
      this.springing = undefined;
    });
  }

  /** Told of each of the soak's random kills, once the worker is dead. */
  async killed(worker: ManagedProcess): Promise<void> {
    const progress = this.inFlight.get(worker);
    this.inFlight.delete(worker);
    if (this.armed === 0 || this.springing || !progress) return;
    await this.landed(worker, progress, 'SIGKILLed (at random)');
  }

  private async spring(worker: ManagedProcess, progress: Progress) {
    await worker.kill();
    this.inFlight.delete(worker);
    this.kills.sent++;
    await this.landed(worker, progress, 'SIGKILLed');
    await sleep(this.deps.restartDelayMs());
    worker.start();
  }

  /** Counts a kill in the middle of `progress`'s fan-out if its job had not completed. */
  private async landed(worker: ManagedProcess, progress: Progress, how: string) {
    const { sql, say } = this.deps;
    const [job] = await sql(`select state::text as state from pgboss.job where name = ? and id = ?`, [
      QUEUES.syncFanout,
      progress.jobId,
    ]);
    const where = `fan-out ${progress.jobId} at ${progress.consents}/${progress.total} consents`;
    if (job?.state === 'active') {
      this.kills.midway++;
      this.armed = Math.max(0, this.armed - 1);
      say(`${how} ${worker.options.name} mid-way through ${where}`);
    } else {
      say(
        `${how} ${worker.options.name} in ${where}, but its job was already ${job?.state}: trap stays armed`,
      );
    }
  }
}

type Progress = { jobId: string; consents: number; total: number };
