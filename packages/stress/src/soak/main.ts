/**
 * `pnpm soak [--short] …` — the chaos soak (see README; `--help` lists the flags). Exit code 1
 * when anything was lost, duplicated, left behind or wrong, or the queue got stuck; 2 on bad
 * arguments.
 */
import { parseSoakOptions, SoakHelpRequested, SoakUsageError, USAGE } from './options';
import { formatReport } from './report';
import { runSoak } from './run';

async function main() {
  const options = parseSoakOptions(process.argv.slice(2));
  const result = await runSoak(options, (line) => console.log(`[soak] ${line}`));
  console.log(formatReport(result));
  return result.ok ? 0 : 1;
}

// An explicit exit: a dependency resets process.exitCode on the way out, and lingering pool
// timers must not keep a finished soak alive.
main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof SoakHelpRequested) {
      console.log(USAGE);
      process.exit(0);
    }
    if (err instanceof SoakUsageError) {
      console.error(`${err.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error('soak failed:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
