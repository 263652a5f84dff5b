import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { db } from '@tenant/domain';
import { type ConsentSecretsReader, classifyError } from '@tenant/sync-engine';
import { sql } from 'kysely';
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
    const rows = await db(em)
      .selectFrom('user_skills')
      .select(['id', 'credentials_id_enc', 'access_token_enc'])
      .where('status', '=', 'ACTIVE')
      .where('id', '>', after)
      .orderBy('id')
      .limit(200)
      .execute();
    if (rows.length === 0) break;
    after = rows[rows.length - 1]?.id ?? after;
    let next = 0;
    const lane = async () => {
      while (next < rows.length) {
        deps.signal?.throwIfAborted();
        const row = rows[next++] as (typeof rows)[number];
        await checkOne(deps.orm.em.fork() as EntityManager, row);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, lane));
  }
  return result;

  async function checkOne(
    em: EntityManager,
    sealed: { id: string; credentials_id_enc: string; access_token_enc: string },
  ) {
    const consentId = sealed.id;
    result.checked++;
    try {
      const info = await deps.finqware.consents.get(await deps.readSecrets(sealed));
      if (info.status === 'EXPIRED' || info.status === 'DELETED') {
        await db(em)
          .updateTable('user_skills')
          .set({ status: info.status, expires_soon: false, updated_at: sql<Date>`now()` })
          .where('id', '=', consentId)
          .execute();
        if (info.status === 'EXPIRED') result.expired++;
        else result.deleted++;
        return;
      }
      const exp = info.consentExp ? new Date(info.consentExp) : null;
      const soon = exp !== null && exp.getTime() - now().getTime() <= deps.warningDays * 86_400_000;
      if (soon) result.expiresSoon++;
      await db(em)
        .updateTable('user_skills')
        .set((eb) => ({
          consent_exp: exp ?? eb.ref('consent_exp'),
          expires_soon: soon,
          updated_at: sql<Date>`now()`,
        }))
        .where('id', '=', consentId)
        .execute();
    } catch (err) {
      const error = classifyError(err);
      if (error.errorClass === 'consent') {
        await db(em)
          .updateTable('user_skills')
          .set({ status: 'REAUTH_REQUIRED', updated_at: sql<Date>`now()` })
          .where('id', '=', consentId)
          .where('status', '=', 'ACTIVE')
          .execute();
        result.reauth++;
        return;
      }
      result.errors++;
      deps.log?.warn({ consentId, ...error.toJSON() }, 'consent check failed');
    }
  }
}
