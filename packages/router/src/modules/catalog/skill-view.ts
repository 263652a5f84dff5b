import type { SkillKindValue } from '../../contract-unions';
import type { listEnabledSkills } from './catalog.repository';

/** What `catalog.skills` answers per skill: the procedure's contract with front-ends. */
export type SkillView = {
  id: string;
  code: string;
  name: string;
  kind: SkillKindValue;
  servicer: { code: string; name: string; country: string };
};

export function toSkillView(row: Awaited<ReturnType<typeof listEnabledSkills>>[number]): SkillView {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    kind: row.kind,
    servicer: { code: row.servicer_code, name: row.servicer_name, country: row.servicer_country },
  };
}
