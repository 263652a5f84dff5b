import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { sql } from 'kysely';
import { preconditionFailed, tooManyRequests } from '../errors';
import type { RouterConfig } from '../ports';

/**
 * What one user may start: at most `maxOpenSessions` bank connections in progress, and
 * `startsPerHour` started per rolling hour (each costs a Finqware session). Counted from the
 * user's own sessions under a per-user advisory lock, so parallel starts (separate requests or
 * one batch, on any api instance) cannot all pass the count; the session row that reserves the
 * place is inserted in the same short transaction, before Finqware is called.
 *
 * Payment sessions are not counted: payments.initiate has its own idempotency and its sessions
 * are not connections.
 */
export async function reserveConnectSession(
  em: EntityManager,
  config: RouterConfig,
  userId: string,
  reserve: (em: EntityManager) => Promise<void>,
): Promise<void> {
  const { maxOpenSessions, startsPerHour } = config.connectLimits;
  await em.transactional(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`connect.start:${userId}`}, 0))`.execute(
      db(tx),
    );
    const lastHour = sql<boolean>`se.created_at > now() - interval '1 hour'`;
    const counts = await db(tx)
      .selectFrom('sessions as se')
      .innerJoin('skills as k', 'k.id', 'se.skill_id')
      .select((eb) => [
        eb
          .cast<number>(
            eb.fn
              .countAll()
              .filterWhere((f) =>
                f.and([f('se.status', '=', 'IN_PROGRESS'), f('se.expires_at', '>', sql<Date>`now()`)]),
              ),
            'integer',
          )
          .as('open'),
        eb.cast<number>(eb.fn.countAll().filterWhere(lastHour), 'integer').as('recent'),
        sql<
          number | null
        >`extract(epoch from min(se.created_at) filter (where ${lastHour}) + interval '1 hour' - now())::float8`.as(
          'retry_after',
        ),
      ])
      .where('se.user_id', '=', userId)
      .where('k.kind', '<>', 'pisp')
      .executeTakeFirst();
    if ((counts?.recent ?? 0) >= startsPerHour) {
      throw tooManyRequests('Too many bank connections started in the last hour', counts?.retry_after ?? 60);
    }
    if ((counts?.open ?? 0) >= maxOpenSessions) {
      throw preconditionFailed(
        `You have ${maxOpenSessions} bank connections in progress: finish one or let it expire first`,
        'TOO_MANY_OPEN_SESSIONS',
      );
    }
    await reserve(tx);
  });
}
