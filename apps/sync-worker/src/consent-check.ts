import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { type ConsentSecretsReader, classifyError, runSql } from '@tenant/sync-engine';
import type { Logger } from './logger';

export type ConsentStatusPort = {
  consents: {
    get(auth: {
      credentialsId: string;
      accessToken: string;
    }): Promise<{ status: string; consentExp?: string }>;
  };
};

export type ConsentCheckResult = {
  checked: number;
  expired: number;
  deleted: number;
  reauth: number;
  expiresSoon: number;
  errors: number;
};

/**
 * Reads each ACTIVE consent's status at Finqware (once a day):
 * - EXPIRED / DELETED → the consent takes that status, so the fan-out stops syncing it;
 * - a consent error on the call itself (401 expired/inactive credentials) → REAUTH_REQUIRED;
 * - otherwise `consent_exp` is refreshed and `expires_soon` set when it falls within
 *   `warningDays` (the front-end asks the user to renew).
 * Other errors are counted and logged; the consent is checked again tomorrow.
 */
export async function checkConsents(deps: {
  orm: MikroORM;
  finqware: ConsentStatusPort;
  readSecrets: ConsentSecretsReader;
  warningDays: number;
  concurrency?: number;
  now?: () => Date;
  log?: Logger;
  /** Aborted when pg-boss takes the job away (its heartbeat lapsed): stop between consents. */
  signal?: AbortSignal;
}): Promise<ConsentCheckResult> {
  const result: ConsentCheckResult = {
    checked: 0,
    expired: 0,
    deleted: 0,
    reauth: 0,
    expiresSoon: 0,
    errors: 0,
  };
  const now = deps.now ?? (() => new Date());
  const concurrency = deps.concurrency ?? 8;
  const em = deps.orm.em.fork() as EntityManager;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await runSql<{ id: string }>(
      em,
      `SELECT id FROM user_skills WHERE status = 'ACTIVE' AND id > ? ORDER BY id LIMIT 200`,
      [after],
    );
    if (rows.length === 0) break;
    after = (rows.at(-1) as { id: string }).id;
    let next = 0;
    const lane = async () => {
      while (next < rows.length) {
        deps.signal?.throwIfAborted();
        const { id } = rows[next++] as { id: string };
        await checkOne(deps.orm.em.fork() as EntityManager, id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, lane));
  }
  return result;

  async function checkOne(em: EntityManager, consentId: string) {
    result.checked++;
    try {
      const info = await deps.finqware.consents.get(await deps.readSecrets(em, consentId));
      if (info.status === 'EXPIRED' || info.status === 'DELETED') {
        await runSql(
          em,
          `UPDATE user_skills SET status = ?, expires_soon = false, updated_at = now() WHERE id = ?`,
          [info.status, consentId],
        );
        if (info.status === 'EXPIRED') result.expired++;
        else result.deleted++;
        return;
      }
      const exp = info.consentExp ? new Date(info.consentExp) : null;
      const soon = exp !== null && exp.getTime() - now().getTime() <= deps.warningDays * 86_400_000;
      if (soon) result.expiresSoon++;
      await runSql(
        em,
        `UPDATE user_skills SET consent_exp = COALESCE(?::timestamptz, consent_exp), expires_soon = ?, updated_at = now()
          WHERE id = ?`,
        [exp?.toISOString() ?? null, soon, consentId],
      );
    } catch (err) {
      const error = classifyError(err);
      if (error.errorClass === 'consent') {
        await runSql(
          em,
          `UPDATE user_skills SET status = 'REAUTH_REQUIRED', updated_at = now() WHERE id = ? AND status = 'ACTIVE'`,
          [consentId],
        );
        result.reauth++;
        return;
      }
      result.errors++;
      deps.log?.warn({ consentId, ...error.toJSON() }, 'consent check failed');
    }
  }
}
