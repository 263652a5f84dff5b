import { readFileSync } from 'node:fs';

export type StepKind = 'sca' | 'sca_implicit' | 'payment_intent' | 'product_form' | 'form';

export interface CatalogField {
  name: string;
  type: string;
  label: string;
  required: boolean;
  options?: string[];
}

export interface CatalogStep {
  step: string;
  kind: StepKind;
  title: string;
  fields: CatalogField[];
}

export interface CatalogSkill {
  code: string;
  servicer: string;
  name: string;
  kind: 'aisp' | 'pisp' | 'marketplace';
  enabled: boolean;
  flow: CatalogStep[];
}

export interface CatalogServicer {
  code: string;
  name: string;
  country: string;
}

export interface Catalog {
  servicers: CatalogServicer[];
  skills: CatalogSkill[];
}

/** catalog.json sits beside src/ and dist/ alike, so one relative URL serves sources and builds. */
export const CATALOG: Catalog = JSON.parse(readFileSync(new URL('../catalog.json', import.meta.url), 'utf8'));

export function findSkill(code: string): CatalogSkill | undefined {
  return CATALOG.skills.find((s) => s.code === code);
}

export function servicerOf(skill: CatalogSkill): CatalogServicer {
  const servicer = CATALOG.servicers.find((s) => s.code === skill.servicer);
  if (!servicer)
    throw new Error(`catalog.json: skill ${skill.code} names unknown servicer ${skill.servicer}`);
  return servicer;
}
