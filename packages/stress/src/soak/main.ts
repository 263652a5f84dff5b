/**
 * `pnpm soak [--short] …` — the chaos soak (see README). Exit code 1 when anything was lost,
 * duplicated, left behind or wrong; 2 on bad arguments.
 */
import { parseSoakOptions, SoakUsageError, USAGE } from './options';
import { formatReport } from './report';
import { runSoak } from './run';

async function main() {
  const options = parseSoakOptions(process.argv.slice(2));
  const result = await runSoak(options, (line) => console.log(`[soak] ${line}`));
  console.log(formatReport(result));
  process.exitCode = result.ok ? 0 : 1;
}

main().catch((err) => {
  if (err instanceof SoakUsageError) {
    console.error(`${err.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  console.error('soak failed:', err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
