import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createVault,
  defaultCatalogPath,
  loadCatalogFile,
  pendingMigrations,
  seedCatalog,
  storeConsent,
  type VaultKey,
} from '@tenant/domain';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import { spawnNode } from '@tenant/spawn';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

/** The deployment's one-off jobs as an operator runs them: processes, told nothing but what they need. */
type Line = { level: number; msg: string; service: string; [key: string]: unknown };
type Run = { code: number | null; lines: Line[]; stderr: string };

function run(command: string, env: Record<string, string>, args: string[] = []): Promise<Run> {
  const entry = fileURLToPath(new URL(`../src/${command}.ts`, import.meta.url));
  // Only PATH from this process: the job must not lean on anything else in the environment.
  const child = spawnNode(entry, { env: { PATH: process.env.PATH, ...env }, args });
  let out = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) =>
    child.once('close', (code) =>
      resolve({
        code,
        stderr,
        lines: out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Line),
      }),
    ),
  );
}

const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const db of databases) await db.drop();
});
const fresh = async (migrate: boolean) => {
  const db = await createTestDatabase({ migrate, pool: 2 });
  databases.push(db);
  return db;
};

describe('tenant-migrate', () => {
  it('needs DATABASE_URL alone, even in production; --dry-run lists what is pending and applies nothing', async () => {
    const db = await fresh(false);
    const env = { NODE_ENV: 'production', DATABASE_URL: db.url };
    const pending = await pendingMigrations(db.orm);
    expect(pending.length).toBeGreaterThan(0);

    const dry = await run('migrate', env, ['--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.lines.at(-1)).toMatchObject({ service: 'migrate', pending });
    expect(await pendingMigrations(db.orm)).toEqual(pending);

    const real = await run('migrate', env);
    expect(real.code).toBe(0);
    expect(real.lines.at(-1)).toMatchObject({
      msg: `applied ${pending.length} migrations`,
      applied: pending,
    });
    expect(await pendingMigrations(db.orm)).toEqual([]);
    expect((await run('migrate', env, ['--dry-run'])).lines.at(-1)).toMatchObject({
      msg: 'up to date',
      pending: [],
    });

    const nothing = await run('migrate', { NODE_ENV: 'production' });
    expect(nothing.code).toBe(1);
    expect(nothing.lines).toEqual([
      expect.objectContaining({ level: 60, issues: [expect.objectContaining({ variable: 'DATABASE_URL' })] }),
    ]);
    const typo = await run('migrate', env, ['--dryrun']);
    expect([typo.code, typo.lines[0]?.msg]).toEqual([
      1,
      'migrate failed: unknown argument --dryrun; usage: tenant-migrate [--dry-run]',
    ]);
  });
});

describe('tenant-seed-catalog', () => {
  it("seeds CATALOG_FILE, and refuses the sandbox's catalog in production", async () => {
    const db = await fresh(true);
    const refused = await run('seed-catalog', {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      CATALOG_FILE: defaultCatalogPath(),
    });
    expect(refused.code).toBe(1);
    expect(refused.lines[0]?.issues).toEqual([
      { variable: 'CATALOG_FILE', expected: expect.stringMatching(/not the sandbox's/) },
    ]);
    const ours = join(mkdtempSync(join(tmpdir(), 'tenant-catalog-')), 'catalog.json');
    const catalog = await loadCatalogFile(defaultCatalogPath());
    writeFileSync(
      ours,
      JSON.stringify({ servicers: catalog.servicers.slice(0, 1), skills: catalog.skills.slice(0, 1) }),
    );
    const env = { NODE_ENV: 'production', DATABASE_URL: db.url, CATALOG_FILE: ours };
    const seeded = await run('seed-catalog', env);
    expect(seeded.code).toBe(0);
    expect(seeded.lines.at(-1)).toMatchObject({ msg: 'catalog seeded', skills: { inserted: 1 } });
    expect((await run('seed-catalog', env)).lines.at(-1)).toMatchObject({
      skills: { inserted: 0, unchanged: 1 },
    });
  });
});

describe('tenant-rotate-vault-keys', () => {
  it('re-encrypts every secret under the newest key, saying how far it got after every batch', async () => {
    const db = await fresh(true);
    await seedCatalog(db.orm.em.fork(), await loadCatalogFile(defaultCatalogPath()));
    const old: VaultKey = { id: 'old', key: randomBytes(32) };
    const next: VaultKey = { id: 'next', key: randomBytes(32) };
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows: skills } = await client.query<{ id: string }>('select id from skills limit 1');
      const vault = createVault([old]);
      for (let i = 0; i < 25; i++) {
        const { rows } = await client.query<{ id: string }>(
          `insert into users (email, password_hash, tenant_user_id) values ($1, 'x', $2) returning id`,
          [`rotate${i}@example.com`, randomUUID()],
        );
        await storeConsent(db.orm.em.fork(), vault, {
          user: rows[0]?.id as string,
          skill: skills[0]?.id as string,
          credentialsId: `cred-${i}`,
          accessToken: `token-${i}`,
        });
      }
      const keys = [old, next].map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
      const rotation = await run('rotate-vault-keys', { DATABASE_URL: db.url, VAULT_KEYS: keys }, [
        '--batch-size',
        '10',
      ]);
      expect(rotation.code).toBe(0);
      expect(
        rotation.lines.filter((l) => l.msg === 'rotation progress').map((l) => [l.table, l.rotated]),
      ).toEqual([
        ['user_skills', 10],
        ['user_skills', 20],
        ['user_skills', 25],
      ]);
      expect(rotation.lines.at(-1)).toMatchObject({ rotated: 25 });
      const { rows } = await client.query<{ n: number }>(
        `select count(*)::int as n from user_skills where vault_key_id <> 'next' or access_token_enc not like 'v1.next.%'`,
      );
      expect(rows[0]?.n).toBe(0);
      // Nothing secret in what it said.
      const said = JSON.stringify(rotation.lines);
      for (const secret of ['token-1', 'cred-1', next.key.toString('base64')])
        expect(said).not.toContain(secret);
    } finally {
      await client.end();
    }
  });
});
