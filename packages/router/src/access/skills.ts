import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db';
import { notFound } from '../errors';
import type { FlowStep } from '../services/steps';

export type SkillRow = {
  id: string;
  code: string;
  name: string;
  kind: 'aisp' | 'pisp' | 'marketplace';
  flow: FlowStep[];
  servicer_code: string;
  servicer_name: string;
  servicer_country: string;
};

const SKILL_COLUMNS = `k.id, k.code, k.name, k.kind, k.flow,
  s.code as servicer_code, s.name as servicer_name, s.country as servicer_country`;

/** Skills are shared, not owned: only enabled ones exist as far as users are concerned. */
export async function findEnabledSkill(em: EntityManager, skillId: string): Promise<SkillRow> {
  const row = await sql(em).one<SkillRow>(
    `select ${SKILL_COLUMNS} from skills k join servicers s on s.id = k.servicer_id where k.id = ? and k.enabled`,
    [skillId],
  );
  if (!row) throw notFound('Skill');
  return row;
}

export async function listEnabledSkills(em: EntityManager): Promise<SkillRow[]> {
  return sql(em).all<SkillRow>(
    `select ${SKILL_COLUMNS} from skills k join servicers s on s.id = k.servicer_id
      where k.enabled order by s.name, k.name, k.id`,
  );
}
