import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOrm, migrate } from '../src';
import { withClient } from '../src/db/admin';
import { startEmbeddedDatabase, temporaryDataDir } from '../src/embedded';

// Starts a real embedded PostgreSQL (initdb + start: a few seconds). Runs when asked to, or when no
// DATABASE_URL is set (then the embedded server is what every other test uses anyway).
const enabled = process.env.TEST_EMBEDDED_PG === '1' || !process.env.DATABASE_URL;

describe.runIf(enabled)('embedded PostgreSQL bootstrap', () => {
  it('initialises a data dir, migrates, stops, and starts again on the same data', {
    timeout: 180_000,
  }, async () => {
    const dataDir = dirname(temporaryDataDir('tenant-embedded-test-'));
    try {
      const first = await startEmbeddedDatabase(dataDir);
      expect(first.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/tenant$/);
      const orm = await createOrm({ clientUrl: first.url, pool: 1 });
      expect((await migrate(orm)).length).toBeGreaterThan(0);
      await orm.em.execute(`insert into servicers (code, name, country) values ('kept', 'Kept', 'RO')`);
      await orm.close(true);
      await first.stop();
      expect(existsSync(`${dataDir}/pg/PG_VERSION`)).toBe(true);

      // Persistent: a second start reuses the initialised directory (new port) and finds the data.
      const second = await startEmbeddedDatabase(dataDir);
      try {
        const rows = await withClient(second.url, (c) => c.query(`select code from servicers`));
        expect(rows.rows).toEqual([{ code: 'kept' }]);
        const again = await createOrm({ clientUrl: second.url, pool: 1 });
        expect(await migrate(again)).toEqual([]);
        await again.close(true);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
