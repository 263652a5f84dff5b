import type { MikroORM } from '@mikro-orm/postgresql';
import { pendingMigrations } from '@tenant/domain';
import type { Readiness } from './admin-server';

/**
 * Ready when the database answers and holds every committed migration: a process on an older
 * schema would fail on its first query that needs the new one.
 */
export async function databaseReadiness(orm: MikroORM): Promise<Readiness> {
  try {
    await orm.em.getConnection().execute('select 1');
  } catch {
    return { ready: false, database: 'unreachable' };
  }
  try {
    const pending = await pendingMigrations(orm);
    return { ready: pending.length === 0, database: 'reachable', pendingMigrations: pending.length };
  } catch {
    return { ready: false, database: 'reachable', pendingMigrations: -1 };
  }
}
