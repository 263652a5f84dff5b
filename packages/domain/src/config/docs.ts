import { CONFIG_VARIABLES, PROCESSES, type ProcessName, variablesOf } from './load';
import { VARIABLES, variableDocs } from './variables';

export const CONFIG_TABLE_START =
  '<!-- configuration table: generated from packages/domain/src/config (pnpm --filter @tenant/domain docs:config) -->';
export const CONFIG_TABLE_END = '<!-- end of the configuration table -->';

/**
 * The README's configuration table, from the variables' schemas and docs and from which process
 * reads which section: a test compares it with the README, so the two cannot drift.
 */
export function renderConfigTable(): string {
  const processes = Object.keys(PROCESSES) as ProcessName[];
  const readers = new Map(processes.map((p) => [p, new Set(variablesOf(p))]));
  const rows = CONFIG_VARIABLES.map((name) => {
    const doc = variableDocs.get(VARIABLES[name]);
    if (!doc) throw new Error(`${name} has no documentation in config/variables.ts`);
    const usedBy = processes.filter((p) => readers.get(p)?.has(name));
    const who = usedBy.length === processes.length ? 'all' : usedBy.join(', ');
    return `| \`${name}\` | ${doc.default ?? '_(unset)_'} | ${who} | ${doc.meaning} |`;
  });
  return [
    CONFIG_TABLE_START,
    '| Variable | Default | Used by | Meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    CONFIG_TABLE_END,
  ].join('\n');
}

/** `text` with its configuration table replaced by the generated one. */
export function withConfigTable(text: string): string {
  const start = text.indexOf(CONFIG_TABLE_START);
  const end = text.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < start) throw new Error('no configuration table markers found');
  return text.slice(0, start) + renderConfigTable() + text.slice(end + CONFIG_TABLE_END.length);
}
