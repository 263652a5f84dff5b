import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { notFound } from '../../errors';

/** The skills users may connect, with their bank. Skills are shared, not owned by a user. */

function enabledSkills(em: EntityManager) {
  return db(em)
    .selectFrom('skills as k')
    .innerJoin('servicers as s', 's.id', 'k.servicer_id')
    .select([
      'k.id',
      'k.code',
      'k.name',
      'k.kind',
      'k.flow',
      's.code as servicer_code',
      's.name as servicer_name',
      's.country as servicer_country',
    ])
    .where('k.enabled', '=', true);
}

/** An enabled skill with its bank; a disabled one does not exist as far as users are concerned. */
export async function findEnabledSkill(em: EntityManager, skillId: string) {
  const row = await enabledSkills(em).where('k.id', '=', skillId).executeTakeFirst();
  if (!row) throw notFound('Skill');
  return row;
}

export async function listEnabledSkills(em: EntityManager) {
  return enabledSkills(em).orderBy('s.name').orderBy('k.name').orderBy('k.id').execute();
}
