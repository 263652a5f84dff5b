/**
 * `pnpm --filter @tenant/domain docs:config`: rewrites the configuration table of the README from
 * the variables' schemas (src/config). test/config.test.ts fails until the two agree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, withConfigTable } from '../src';

const readme = join(repoRoot(), 'README.md');
writeFileSync(readme, withConfigTable(readFileSync(readme, 'utf8')));
console.log(`configuration table written to ${readme}`);
