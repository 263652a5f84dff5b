import { readFile } from 'node:fs/promises';
import type { EntityManager } from '@mikro-orm/core';
import { Servicer } from '../entities/servicer';
import { Skill } from '../entities/skill';
import { type Catalog, catalogSchema } from './schema';

export class CatalogError extends Error {
  override readonly name = 'CatalogError';
}

/** Reads and validates a catalog file (the shape of packages/finqware-sandbox/catalog.json). */
export async function loadCatalogFile(path: string): Promise<Catalog> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CatalogError(`catalog ${path}: cannot read JSON (${(error as Error).message})`);
  }
  return parseCatalog(json, path);
}

export function parseCatalog(json: unknown, source = 'catalog'): Catalog {
  const parsed = catalogSchema.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('\n');
    throw new CatalogError(`${source} is invalid:\n${details}`);
  }
  return parsed.data;
}

export interface SeedCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface SeedReport {
  servicers: SeedCounts;
  skills: SeedCounts & { disabled: number };
}

/** JSON with sorted keys: jsonb does not keep key order, so compare canonically. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Upserts servicers and skills by code, in one transaction. Idempotent: a second run with the
 * same catalog changes nothing. Skills missing from the catalog are disabled, never deleted
 * (consents reference them); servicers are never deleted either.
 */
export async function seedCatalog(em: EntityManager, catalog: Catalog): Promise<SeedReport> {
  return em.fork().transactional(async (tx) => {
    const report: SeedReport = {
      servicers: { inserted: 0, updated: 0, unchanged: 0 },
      skills: { inserted: 0, updated: 0, unchanged: 0, disabled: 0 },
    };

    const servicers = new Map((await tx.find(Servicer, {})).map((s) => [s.code, s]));
    for (const entry of catalog.servicers) {
      const existing = servicers.get(entry.code);
      if (!existing) {
        servicers.set(entry.code, tx.create(Servicer, entry));
        report.servicers.inserted++;
      } else if (existing.name !== entry.name || existing.country !== entry.country) {
        tx.assign(existing, { name: entry.name, country: entry.country });
        report.servicers.updated++;
      } else {
        report.servicers.unchanged++;
      }
    }

    const skills = new Map((await tx.find(Skill, {})).map((s) => [s.code, s]));
    const listed = new Set<string>();
    for (const entry of catalog.skills) {
      listed.add(entry.code);
      const servicer = servicers.get(entry.servicer) as Servicer; // the schema checked it exists
      const wanted = { name: entry.name, kind: entry.kind, enabled: entry.enabled, flow: entry.flow };
      const existing = skills.get(entry.code);
      if (!existing) {
        tx.create(Skill, { code: entry.code, servicer, ...wanted });
        report.skills.inserted++;
      } else if (
        existing.servicer.id !== servicer.id ||
        existing.name !== wanted.name ||
        existing.kind !== wanted.kind ||
        existing.enabled !== wanted.enabled ||
        canonical(existing.flow) !== canonical(wanted.flow)
      ) {
        tx.assign(existing, { servicer, ...wanted });
        report.skills.updated++;
      } else {
        report.skills.unchanged++;
      }
    }
    for (const [code, skill] of skills) {
      if (!listed.has(code) && skill.enabled) {
        skill.enabled = false;
        report.skills.disabled++;
      }
    }
    await tx.flush();
    return report;
  });
}
