import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../db';
import { notFound } from '../errors';

export async function findOwnedAccount(
  em: EntityManager,
  userId: string,
  accountId: string,
): Promise<{ id: string }> {
  const row = await sql(em).one<{ id: string }>('select id from accounts where id = ? and user_id = ?', [
    accountId,
    userId,
  ]);
  if (!row) throw notFound('Account');
  return row;
}
