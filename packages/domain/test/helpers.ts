import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { VaultKey } from '../src';

export const key = (id: string): VaultKey => ({ id, key: randomBytes(32) });

/** Inserts a user, a servicer and a skill; returns their ids. */
export async function seedOwner(em: EntityManager) {
  const userId = randomUUID();
  const servicerId = randomUUID();
  const skillId = randomUUID();
  await em.execute(`insert into users (id, email, password_hash, tenant_user_id) values (?, ?, 'x', ?)`, [
    userId,
    `u-${userId}@example.test`,
    randomUUID(),
  ]);
  await em.execute(`insert into servicers (id, code, name, country) values (?, ?, 'Bank', 'Romania')`, [
    servicerId,
    `s-${servicerId}`,
  ]);
  await em.execute(
    `insert into skills (id, servicer_id, code, name, kind, flow) values (?, ?, ?, 'Skill', 'aisp', '[]')`,
    [skillId, servicerId, `k-${skillId}`],
  );
  return { userId, servicerId, skillId };
}
