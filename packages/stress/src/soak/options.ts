/**
 * Soak settings: flags win over environment variables, which win over defaults. `--short` is the
 * CI variant (about a minute): fewer consents, two chaos rounds.
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
  /** Hard cap on the settle phase, seconds: the soak fails if jobs have not settled by then. */
  settleTimeoutSeconds: number;
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
  settleTimeoutSeconds: 600,
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
  settleTimeoutSeconds: 150,
  history: { min: 100, max: 400, days: 365 },
};

const ENV: Record<string, keyof SoakOptions> = {
  SOAK_CONSENTS: 'consents',
  SOAK_ROUNDS: 'rounds',
  SOAK_ROUND_SECONDS: 'roundSeconds',
  SOAK_FAULT_RATE: 'faultRate',
  SOAK_KILL_EVERY_SECONDS: 'killEverySeconds',
  SOAK_SETTLE_TIMEOUT_SECONDS: 'settleTimeoutSeconds',
};

const FLAGS: Record<string, keyof SoakOptions> = {
  '--consents': 'consents',
  '--rounds': 'rounds',
  '--round-seconds': 'roundSeconds',
  '--fault-rate': 'faultRate',
  '--kill-every': 'killEverySeconds',
  '--settle-timeout': 'settleTimeoutSeconds',
};

export const USAGE = `usage: pnpm soak [--short] [--consents N] [--rounds N] [--round-seconds S] [--fault-rate R]
                 [--kill-every S] [--settle-timeout S] [--seed X] [--keep-db]
env: SOAK_CONSENTS, SOAK_ROUNDS, SOAK_ROUND_SECONDS, SOAK_FAULT_RATE, SOAK_KILL_EVERY_SECONDS,
     SOAK_SETTLE_TIMEOUT_SECONDS, SOAK_SHORT=1, DATABASE_URL (server to create the soak database on)`;

export class SoakUsageError extends Error {}

function numberFor(name: string, raw: string | undefined, key: keyof SoakOptions): number {
  const value = Number(raw);
  const ok = key === 'faultRate' ? value >= 0 && value <= 1 : Number.isFinite(value) && value >= 0;
  if (raw === undefined || raw === '' || !ok) {
    throw new SoakUsageError(`${name} must be ${key === 'faultRate' ? 'a number in 0..1' : 'a number ≥ 0'}`);
  }
  return value;
}

export function parseSoakOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): SoakOptions {
  const short = argv.includes('--short') || env.SOAK_SHORT === '1';
  const options: SoakOptions = { ...DEFAULTS, ...(short ? SHORT : {}) };
  const set = (key: keyof SoakOptions, value: number) => {
    (options as Record<string, unknown>)[key] = value;
  };
  for (const [name, key] of Object.entries(ENV)) {
    if (env[name] !== undefined) set(key, numberFor(name, env[name], key));
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--short') continue;
    if (arg === '--keep-db') {
      options.keepDatabase = true;
      continue;
    }
    if (arg === '--seed') {
      options.seed = argv[++i] ?? options.seed;
      continue;
    }
    const key = FLAGS[arg];
    if (!key) throw new SoakUsageError(`unknown argument ${arg}`);
    set(key, numberFor(arg, argv[++i], key));
  }
  if (options.consents < 1) throw new SoakUsageError('--consents must be at least 1');
  options.consents = Math.floor(options.consents);
  options.rounds = Math.floor(options.rounds);
  return options;
}
