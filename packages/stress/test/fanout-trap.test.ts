import type { ManagedProcess } from '@tenant/spawn';
import { describe, expect, it } from 'vitest';
import { FanoutTrap } from '../src/soak/fanout-trap';

/** A worker as the trap sees it: killed and restarted on request, its kills counted. */
function fakeWorker(name: string) {
  const worker = { options: { name }, kills: 0, starts: 0 };
  return Object.assign(worker, {
    kill: async () => {
      worker.kills++;
    },
    start: () => {
      worker.starts++;
    },
  });
}

const progress = (consents: number) =>
  JSON.stringify({ msg: 'sync fan-out progress', jobId: 'job-1', consents, total: 60 });

function trapWith(jobState: string) {
  const said: string[] = [];
  const trap = new FanoutTrap({
    sql: (async () => [{ state: jobState }]) as never,
    say: (line) => said.push(line),
    restartDelayMs: () => 0,
  });
  return { trap, said };
}

describe('the fan-out trap', () => {
  it('kills the worker of an armed fan-out past half its consents, once', async () => {
    const { trap } = trapWith('active');
    const worker = fakeWorker('worker-a');
    trap.arm();
    trap.onLine(worker as unknown as ManagedProcess, progress(15));
    expect(worker.kills).toBe(0);
    trap.onLine(worker as unknown as ManagedProcess, progress(35));
    await trap.disarm();
    expect(worker).toMatchObject({ kills: 1, starts: 1 });
    expect(trap.kills).toEqual({ sent: 1, midway: 1 });
  });

  it('counts a random kill that lands in the armed fan-out first (its retry may come after the chaos)', async () => {
    const { trap, said } = trapWith('active');
    const worker = fakeWorker('worker-a');
    trap.arm();
    trap.onLine(worker as unknown as ManagedProcess, progress(15));
    await trap.killed(worker as unknown as ManagedProcess);
    expect(trap.kills).toEqual({ sent: 0, midway: 1 });
    expect(said.at(-1)).toContain('mid-way through fan-out job-1 at 15/60');
    // Disarmed by that kill: the retry's progress springs nothing.
    trap.onLine(worker as unknown as ManagedProcess, progress(35));
    await trap.disarm();
    expect(worker.kills).toBe(0);
  });

  it('stays armed when the killed fan-out had already completed', async () => {
    const { trap } = trapWith('completed');
    const worker = fakeWorker('worker-a');
    trap.arm();
    trap.onLine(worker as unknown as ManagedProcess, progress(15));
    await trap.killed(worker as unknown as ManagedProcess);
    expect(trap.kills).toEqual({ sent: 0, midway: 0 });
  });

  it('counts nothing for a worker in no fan-out, or one whose fan-out has enqueued every consent', async () => {
    const { trap } = trapWith('active');
    const worker = fakeWorker('worker-a');
    trap.arm();
    await trap.killed(fakeWorker('worker-b') as unknown as ManagedProcess);
    trap.onLine(worker as unknown as ManagedProcess, progress(15));
    trap.onLine(worker as unknown as ManagedProcess, progress(60));
    await trap.killed(worker as unknown as ManagedProcess);
    expect(trap.kills).toEqual({ sent: 0, midway: 0 });
  });
});
