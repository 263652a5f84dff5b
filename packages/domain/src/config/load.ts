import type { z } from 'zod';
import { BASE_SECTION, SECTIONS, type SectionName } from './sections';
import { VARIABLES, type VariableName } from './variables';

/**
 * The one place that reads the environment. Each process names itself and reads only the sections
 * it uses (PROCESSES), so nothing it does not use can stop it, and nothing it does not use is
 * required of it. Defaults make `pnpm start` work on a bare machine; production refuses the
 * development ones. A bad value stops the process with a ConfigError naming each variable and what
 * it expects — never the value itself, since some of them are secrets.
 */

/** Which sections each process reads: the README's "used by" column comes from here. */
export const PROCESSES = {
  api: ['database', 'finqware', 'vault', 'apiUrls', 'api'],
  worker: ['database', 'finqware', 'vault', 'sync', 'workerAdmin'],
  migrate: ['database'],
  'seed-catalog': ['database', 'catalog'],
  'rotate-vault-keys': ['database', 'vault'],
  'worker cli': ['database', 'sync'],
  'pnpm start': ['local', 'catalog', 'apiUrls'],
} as const satisfies Record<string, readonly SectionName[]>;

export type ProcessName = keyof typeof PROCESSES;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
type SectionValues<S extends SectionName> = UnionToIntersection<z.output<(typeof SECTIONS)[S]>>;

/** The configuration of sections `S` (plus nodeEnv and logLevel, which every process has). */
export type ConfigOf<S extends SectionName> = z.output<typeof BASE_SECTION> & SectionValues<S>;
/** The configuration process `P` reads. */
export type ProcessConfig<P extends ProcessName> = ConfigOf<(typeof PROCESSES)[P][number]>;
/** Every section at once: use `Pick<Config, …>` to say what a function needs. */
export type Config = ConfigOf<SectionName>;

export interface ConfigIssue {
  variable: string;
  expected: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `Invalid configuration:\n${issues.map((i) => `  - ${i.variable}: expected ${i.expected}`).join('\n')}`,
    );
  }
}

type Env = NodeJS.ProcessEnv | Record<string, string | undefined>;

/** Every environment variable the configuration reads (the README table lists the same). */
export const CONFIG_VARIABLES = Object.keys(VARIABLES) as VariableName[];

/**
 * Reads and validates what process `forProcess` uses from `env`. Values are trimmed; empty strings
 * count as unset.
 * @throws ConfigError naming every bad variable at once.
 */
export function loadConfig<P extends ProcessName>(forProcess: P, env: Env = process.env): ProcessConfig<P> {
  return loadSections(PROCESSES[forProcess], env) as unknown as ProcessConfig<P>;
}

/** Like loadConfig, for the given sections. */
export function loadSections<S extends SectionName>(
  sections: readonly S[],
  env: Env = process.env,
): ConfigOf<S> {
  const input: Record<string, string | undefined> = {};
  for (const name of CONFIG_VARIABLES) {
    const value = env[name]?.trim();
    input[name] = value === '' ? undefined : value;
  }
  const issues = new Map<string, ConfigIssue>();
  const config: Record<string, unknown> = {};
  for (const schema of [BASE_SECTION, ...sections.map((name) => SECTIONS[name])]) {
    const parsed = (schema as z.ZodType).safeParse(input);
    if (parsed.success) {
      // Two sections may fill one group (apiUrls and api both fill `api`).
      for (const [key, value] of Object.entries(parsed.data as Record<string, unknown>)) {
        const had = config[key];
        config[key] = isGroup(had) && isGroup(value) ? { ...had, ...value } : value;
      }
      continue;
    }
    for (const issue of parsed.error.issues) {
      const found = { variable: String(issue.path[0] ?? 'environment'), expected: issue.message };
      issues.set(`${found.variable}\n${found.expected}`, found);
    }
  }
  if (issues.size > 0) throw new ConfigError([...issues.values()]);
  return config as ConfigOf<S>;
}

const isGroup = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The variables process `forProcess` reads. */
export function variablesOf(forProcess: ProcessName): VariableName[] {
  const used = new Set<VariableName>(['NODE_ENV', 'LOG_LEVEL']);
  for (const section of PROCESSES[forProcess]) {
    for (const name of Object.keys(SECTIONS[section].in.shape)) used.add(name as VariableName);
  }
  return CONFIG_VARIABLES.filter((name) => used.has(name));
}
