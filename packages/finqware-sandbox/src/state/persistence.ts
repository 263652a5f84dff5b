import type { SandboxOptions } from '../options';
import { parseState, type SandboxState, serialiseState } from './format';
import { moveAside, readStateText, writeAtomically } from './state-file';

/** Long enough to fold a burst (a script minting consents, a clock move expiring many) into one write. */
const WRITE_DELAY_MS = 200;

export type Warn = (message: string) => void;

export interface OpenedStateFile {
  restored?: SandboxState;
  /** False when a bad file could not be moved aside: it is then left alone and this run writes nothing. */
  writable: boolean;
}

/**
 * Loads a state file. Never throws: a sandbox that refuses to start over a bad file would block the
 * whole local stack, so a bad file is moved aside with one warning and the sandbox starts empty.
 */
export function openStateFile(file: string, options: SandboxOptions, warn: Warn): OpenedStateFile {
  const read = readStateText(file);
  if (read.kind === 'missing') return { writable: true };
  let problem: string;
  if (read.kind === 'unreadable') {
    problem = read.reason;
  } else {
    try {
      const { state, dropped } = parseState(read.text);
      if (dropped.length > 0) {
        warn(`state file ${file}: dropped consents whose skill left catalog.json: ${dropped.join(', ')}`);
      }
      warnAboutOverriddenOptions(file, options, state, warn);
      return { restored: state, writable: true };
    } catch (err) {
      problem = (err as Error).message;
    }
  }
  try {
    const aside = moveAside(file);
    warn(`state file ${file} is unusable: ${problem}. Moved it to ${aside}; starting with no consents.`);
    return { writable: true };
  } catch (err) {
    warn(
      `state file ${file} is unusable: ${problem}. It could not be moved aside (${(err as Error).message}), ` +
        'so it is left untouched and this run keeps its state in memory only.',
    );
    return { writable: false };
  }
}

/**
 * The file's seed and clock win over the options (its consents' data depends on them), and time never
 * goes back: say so when the options ask for something else.
 */
function warnAboutOverriddenOptions(file: string, options: SandboxOptions, state: SandboxState, warn: Warn) {
  const seed = String(options.seed ?? 'finqware-sandbox');
  if (seed !== state.seed) {
    warn(
      `state file ${file} was written with seed "${state.seed}"; keeping it instead of "${seed}" so restored ` +
        'consents serve the same data. Delete the file to start over with the new seed.',
    );
  }
  const stoppedAt = state.instants.at(-1)!;
  if (options.clock?.now !== undefined && new Date(options.clock.now).getTime() < stoppedAt) {
    warn(
      `state file ${file} stopped at sandbox time ${new Date(stoppedAt).toISOString()}, later than ` +
        'options.clock.now; sandbox time never goes back, so it resumes there.',
    );
  }
}

/** Writes the state some time after a change, and on close; reads never schedule a write. */
export class StateWriter {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private closed = false;
  private lastError: string | undefined;

  constructor(
    private readonly file: string,
    private readonly state: () => SandboxState,
    private readonly warn: Warn,
  ) {}

  changed(): void {
    // After close another sandbox may own the file (a restart in the same process); keep off it.
    if (this.closed) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), WRITE_DELAY_MS);
    this.timer.unref();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    try {
      writeAtomically(this.file, serialiseState(this.state()));
      this.lastError = undefined;
    } catch (err) {
      this.dirty = true; // the next change or close() tries again
      const message = (err as Error).message;
      if (message !== this.lastError) this.warn(`state file ${this.file} could not be written: ${message}`);
      this.lastError = message;
    }
  }

  close(): void {
    this.flush();
    this.closed = true;
  }
}
