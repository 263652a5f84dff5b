import { parseArgs } from 'node:util';

/**
 * Soak settings: flags win over environment variables, which win over defaults. `--short` is the
 * CI variant (about a minute and a half): fewer consents, two chaos rounds.
 */
export type SoakOptions = {
  consents: number;
  /** Consents per user (the last user may have fewer). */
  consentsPerUser: number;
  /** Chaos rounds: each advances the sandbox clock and triggers a fan-out. */
  rounds: number;
  /** How long each chaos round lasts, seconds. */
  roundSeconds: number;
  /** Share of sandbox API requests that get a fault (0..1). */
  faultRate: number;
  /** Mean seconds between SIGKILLs of a worker (0 disables kills). */
  killEverySeconds: number;
  /**
   * How many fan-outs get their worker SIGKILLed half-way, on purpose: a trap is set in the last
   * round, then every third one before it, and springs on the next fan-out past half of its
   * consents (see FanoutTrap).
   */
  fanoutKills: number;
  /**
   * Payments initiated through the api during the chaos rounds (spread over them), each sent 1–3
   * times with one idempotency key, by one customer per three payments.
   */
  payments: number;
  /** Transactions per bank account: the sandbox draws uniformly in [min, max]. */
  history: { min: number; max: number; days: number };
  seed: string;
  /** Worker log level (their output goes to files under the run directory). */
  workerLogLevel: string;
  /** Keep the database afterwards (prints its URL). */
  keepDatabase: boolean;
};

export const DEFAULTS: SoakOptions = {
  consents: 500,
  consentsPerUser: 5,
  rounds: 6,
  roundSeconds: 20,
  faultRate: 0.2,
  killEverySeconds: 6,
  fanoutKills: 2,
  payments: 60,
  history: { min: 200, max: 800, days: 365 },
  seed: 'soak',
  workerLogLevel: 'info',
  keepDatabase: false,
};

export const SHORT: Partial<SoakOptions> = {
  consents: 60,
  rounds: 2,
  roundSeconds: 12,
  killEverySeconds: 5,
  fanoutKills: 1,
  payments: 15,
  history: { min: 100, max: 400, days: 365 },
};

/** The numeric settings: flag, environment variable, and what a valid value is. */
const NUMBERS = {
  consents: { flag: 'consents', env: 'SOAK_CONSENTS', min: 1 },
  rounds: { flag: 'rounds', env: 'SOAK_ROUNDS', min: 0 },
  roundSeconds: { flag: 'round-seconds', env: 'SOAK_ROUND_SECONDS', min: 0 },
  faultRate: { flag: 'fault-rate', env: 'SOAK_FAULT_RATE', min: 0, max: 1 },
  killEverySeconds: { flag: 'kill-every', env: 'SOAK_KILL_EVERY_SECONDS', min: 0 },
  fanoutKills: { flag: 'kill-fanouts', env: 'SOAK_KILL_FANOUTS', min: 0 },
  payments: { flag: 'payments', env: 'SOAK_PAYMENTS', min: 0 },
} as const satisfies Record<string, { flag: string; env: string; min: number; max?: number }>;

export const USAGE = `usage: pnpm soak [--short] [--consents N] [--rounds N] [--round-seconds S] [--fault-rate R]
                 [--kill-every S] [--kill-fanouts N] [--payments N] [--seed X] [--keep-db] [--help]
  --short           the CI variant: 60 consents, 2 rounds × 12 s, one fan-out killed
  --kill-every S    mean seconds between random SIGKILLs of a worker (0: none)
  --kill-fanouts N  fan-outs whose worker is SIGKILLed half-way on purpose (default 2; --short 1)
  --payments N      payments initiated through the api, each sent 1-3 times with one key (default 60; --short 15)
  The settle phase fails when the queue makes no progress for longer than the queues' failure
  detection allows (packages/domain/src/jobs.ts), naming the stuck jobs.
env: SOAK_CONSENTS, SOAK_ROUNDS, SOAK_ROUND_SECONDS, SOAK_FAULT_RATE, SOAK_KILL_EVERY_SECONDS,
     SOAK_KILL_FANOUTS, SOAK_PAYMENTS, SOAK_SHORT=1, DATABASE_URL (server to create the soak database on)`;

export class SoakUsageError extends Error {}

/** `--help` was asked for: print USAGE, exit 0. */
export class SoakHelpRequested extends Error {}

function numberFor(name: string, raw: string, rule: { min: number; max?: number }): number {
  const value = Number(raw);
  const ok =
    raw.trim() !== '' && Number.isFinite(value) && value >= rule.min && value <= (rule.max ?? Infinity);
  if (!ok) {
    const range = rule.max !== undefined ? `a number in ${rule.min}..${rule.max}` : `a number ≥ ${rule.min}`;
    throw new SoakUsageError(`${name} must be ${range}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function parseSoakOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): SoakOptions {
  let flags: ReturnType<typeof parse>;
  try {
    flags = parse(argv);
  } catch (err) {
    // node:util names the offending argument; ours is the usage error with the usage text.
    throw new SoakUsageError(err instanceof Error ? err.message : String(err));
  }
  if (flags.help) throw new SoakHelpRequested();
  const short = flags.short === true || env.SOAK_SHORT === '1';
  const options: SoakOptions = { ...DEFAULTS, ...(short ? SHORT : {}) };
  for (const [key, rule] of Object.entries(NUMBERS) as [
    keyof typeof NUMBERS,
    (typeof NUMBERS)[keyof typeof NUMBERS],
  ][]) {
    const fromEnv = env[rule.env];
    if (fromEnv !== undefined) options[key] = numberFor(rule.env, fromEnv, rule);
    const fromFlag = flags[rule.flag];
    if (typeof fromFlag === 'string') options[key] = numberFor(`--${rule.flag}`, fromFlag, rule);
  }
  if (flags.seed !== undefined) options.seed = flags.seed;
  if (flags['keep-db']) options.keepDatabase = true;
  options.consents = Math.floor(options.consents);
  options.rounds = Math.floor(options.rounds);
  options.fanoutKills = Math.floor(options.fanoutKills);
  options.payments = Math.floor(options.payments);
  return options;
}

function parse(argv: string[]) {
  const numeric = Object.fromEntries(
    Object.values(NUMBERS).map(({ flag }) => [flag, { type: 'string' as const }]),
  ) as { [K in (typeof NUMBERS)[keyof typeof NUMBERS]['flag']]: { type: 'string' } };
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      ...numeric,
      short: { type: 'boolean' },
      seed: { type: 'string' },
      'keep-db': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}
