import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CatalogError,
  defaultCatalogPath,
  loadCatalogFile,
  parseCatalog,
  Servicer,
  Skill,
  seedCatalog,
} from '../src';
import { createTestDatabase, type TestDatabase } from '../src/testing';

describe('catalog seed', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('loads the sandbox catalog, then a second run changes nothing', async () => {
    const catalog = await loadCatalogFile(defaultCatalogPath());
    const first = await seedCatalog(db.orm.em, catalog);
    expect(first.servicers).toEqual({ inserted: catalog.servicers.length, updated: 0, unchanged: 0 });
    expect(first.skills).toEqual({ inserted: catalog.skills.length, updated: 0, unchanged: 0, disabled: 0 });

    const snapshot = async () =>
      db.orm.em.execute(
        `select k.code, k.name, k.kind, k.enabled, k.flow, k.updated_at, s.code as servicer, s.updated_at as s_updated
         from skills k join servicers s on s.id = k.servicer_id order by k.code`,
      );
    const before = await snapshot();
    const second = await seedCatalog(db.orm.em, catalog);
    expect(second.servicers).toEqual({ inserted: 0, updated: 0, unchanged: catalog.servicers.length });
    expect(second.skills).toEqual({ inserted: 0, updated: 0, unchanged: catalog.skills.length, disabled: 0 });
    expect(await snapshot()).toEqual(before);

    const skill = await db.orm.em
      .fork()
      .findOneOrFail(Skill, { code: 'bt_ro_aisp_sbx_#2.0' }, { populate: ['servicer'] });
    expect(skill.servicer.getEntity().code).toBe('bt_ro');
    expect(skill.flow.map((s) => s.step)).toEqual(['credentials', 'otp']);
  });

  it('updates changed rows and disables (never deletes) skills missing from the file', async () => {
    const catalog = await loadCatalogFile(defaultCatalogPath());
    const [dropped, renamed, ...rest] = catalog.skills;
    if (!dropped || !renamed) throw new Error('catalog too small');
    const changed = {
      servicers: catalog.servicers.map((s) => (s.code === 'xyz' ? { ...s, name: 'XYZ Bank (renamed)' } : s)),
      skills: [{ ...renamed, name: `${renamed.name} v2` }, ...rest],
    };
    const report = await seedCatalog(db.orm.em, changed);
    expect(report.servicers).toMatchObject({ inserted: 0, updated: 1 });
    expect(report.skills).toEqual({ inserted: 0, updated: 1, unchanged: rest.length, disabled: 1 });

    const em = db.orm.em.fork();
    expect((await em.findOneOrFail(Skill, { code: dropped.code })).enabled).toBe(false);
    expect((await em.findOneOrFail(Skill, { code: renamed.code })).name).toBe(`${renamed.name} v2`);
    expect((await em.findOneOrFail(Servicer, { code: 'xyz' })).name).toBe('XYZ Bank (renamed)');

    // Restoring the file re-enables it.
    const restored = await seedCatalog(db.orm.em, catalog);
    expect(restored.skills).toMatchObject({ updated: 2, disabled: 0 });
    expect((await db.orm.em.fork().findOneOrFail(Skill, { code: dropped.code })).enabled).toBe(true);
  });

  it('rejects an invalid catalog, naming the field', async () => {
    expect(() =>
      parseCatalog({
        servicers: [],
        skills: [{ code: 'a', servicer: 'nope', name: 'A', kind: 'aisp', enabled: true, flow: [] }],
      }),
    ).toThrow(/skills\.0\.servicer: unknown servicer nope/);
    expect(() =>
      parseCatalog({
        servicers: [{ code: 'x', name: 'X', country: 'RO' }],
        skills: [{ code: 'a', servicer: 'x', name: 'A', kind: 'loans', enabled: true, flow: [] }],
      }),
    ).toThrow(/skills\.0\.kind/);
    const path = join(tmpdir(), `catalog-${process.pid}.json`);
    await writeFile(path, '{ not json');
    await expect(loadCatalogFile(path)).rejects.toThrow(CatalogError);
  });
});
