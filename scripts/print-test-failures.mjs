#!/usr/bin/env node
// Prints every failed test of the last `pnpm test` once the run is over, from the JSON each package's
// vitest wrote to .test-results/ (vitest.shared.ts). Two packages' tests run at once and their
// output interleaves, so a failure is otherwise somewhere in the middle of the log, out of sight
// of whoever reads its end. Plain JavaScript: it runs without a build.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = join(root, '.test-results');
let files = [];
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.json'));
} catch {
  // No package got as far as writing its results: the failure is in the log above them.
}

const lines = [];
for (const file of files.sort()) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  for (const suite of report.testResults ?? []) {
    const failed = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    // A file that failed as a whole (an import or a hook threw) has no failed test of its own.
    if (suite.status === 'failed' && failed.length === 0) {
      lines.push(`FAIL ${relative(root, suite.name)}`, indent(suite.message || '(no message)'), '');
    }
    for (const test of failed) {
      const where = `${relative(root, suite.name)} > ${test.fullName}`;
      lines.push(`FAIL ${where}`, indent(test.failureMessages.join('\n')), '');
    }
  }
}
if (lines.length > 0) {
  process.stdout.write(`\nFailed tests, from .test-results/:\n\n${lines.join('\n')}\n`);
}

/** The message and the test's own stack frames, not vitest's or a library's. */
function indent(text) {
  return text
    .split('\n')
    .filter((line) => !/^\s+at .*node_modules/.test(line) && !/^\s+at new Promise/.test(line))
    .slice(0, 60)
    .map((line) => `    ${line}`)
    .join('\n');
}
