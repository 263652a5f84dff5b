import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { SkillFlowStep } from '../catalog/schema';
import { createdAtProperty, idProperty, updatedAtProperty } from './common';
import { SKILL_KINDS } from './enums';
import { Servicer } from './servicer';

/** A bank connector of our tenant app. Loaded from the catalog; disabled, never deleted (consents point at it). */
export const Skill = defineEntity({
  name: 'Skill',
  tableName: 'skills',
  properties: {
    id: idProperty(),
    servicer: p.manyToOne(Servicer).ref().deleteRule('restrict'),
    /** Finqware skill code, e.g. `rzb_ro_aisp_sbx_#1.0`. */
    code: p.text().unique('skills_code_unique'),
    name: p.text(),
    kind: p.enum([...SKILL_KINDS]),
    enabled: p.boolean().default(true),
    /** The ordered steps a session for this skill asks for. */
    flow: p.json<SkillFlowStep[]>(),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  indexes: [{ name: 'skills_servicer_id_index', properties: ['servicer'] }],
});
export type Skill = InferEntity<typeof Skill>;
