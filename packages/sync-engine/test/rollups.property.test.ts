import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '@tenant/domain/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncEngine } from '../src';
import type { FqTransaction } from '../src/finqware';
import { runSql } from '../src/testing';
import { FakeFinqware } from './fake-finqware';
import { insertConsent } from './fixtures';

/**
 * The insights read rollups (daily, monthly, monthly per counterparty) instead of transactions, so
 * the rollups must always equal the aggregate over the transactions they summarise. Random
 * histories of a bank — rows arriving, pending rows booked in place or replaced by a new row or
 * vanishing, booked rows corrected — are synced by the engine into PostgreSQL and sometimes
 * purged; after every step the rollups are compared with a GROUP BY over the raw rows.
 */

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});
const em = () => db.orm.em.fork() as unknown as EntityManager;

const DAY = 86_400_000;
// Two days of May and three of June: rows on either side of a day and a month boundary.
const START = Date.UTC(2025, 4, 30);

/** A movement: which account, how much (up to 4 decimals, 0 included), which way, when, with whom. */
const movement = fc.record({
  account: fc.constantFrom(0, 1),
  cents: fc.integer({ min: 0, max: 5_000_000 }),
  debit: fc.boolean(),
  currency: fc.constantFrom('RON', 'EUR'),
  // A few days, times near midnight included: the day a row counts in is its UTC day.
  at: fc.oneof(
    fc.integer({ min: 0, max: 4 }).map((d) => START + d * DAY),
    fc.integer({ min: 1, max: 4 }).map((d) => START + d * DAY - 1),
    fc.integer({ min: 0, max: 5 * DAY - 1 }).map((ms) => START + ms),
  ),
  counterparty: fc.constantFrom(undefined, '', 'Lidl', 'Enel', 'ACME Payroll'),
});
type Movement = typeof movement extends fc.Arbitrary<infer T> ? T : never;

const step = fc.oneof(
  { weight: 3, arbitrary: movement.map((m) => ({ kind: 'book' as const, m })) },
  { weight: 2, arbitrary: movement.map((m) => ({ kind: 'pend' as const, m })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('bookPending' as const),
      pick: fc.nat(),
      m: fc.option(movement),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('replacePending' as const), pick: fc.nat(), m: movement }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dropPending' as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('correct' as const), pick: fc.nat(), m: movement }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'sync' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'purge' as const }) },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/** Rollups as stored (rows all of whose transactions went away hold 0 and 0, and count as absent). */
async function rollups(userId: string) {
  return runSql<Record<string, unknown>>(
    em(),
    `SELECT account_id, day::text, currency, direction, count, total::text FROM transaction_daily_totals
      WHERE user_id = ? AND (count <> 0 OR total <> 0)
     UNION ALL
     SELECT account_id, 'month ' || month::text, currency, direction, count, total::text
       FROM transaction_monthly_totals
      WHERE user_id = ? AND (count <> 0 OR total <> 0)
     UNION ALL
     SELECT account_id, month::text || ' ' || counterparty, currency, 'credit', credit_count, credit_total::text
       FROM counterparty_monthly_flows
      WHERE user_id = ? AND (credit_count <> 0 OR credit_total <> 0)
     UNION ALL
     SELECT account_id, month::text || ' ' || counterparty, currency, 'debit', debit_count, debit_total::text
       FROM counterparty_monthly_flows
      WHERE user_id = ? AND (debit_count <> 0 OR debit_total <> 0)
      ORDER BY 1, 2, 3, 4`,
    [userId, userId, userId, userId],
  );
}

/** The same aggregate, over the raw transactions. */
async function aggregate(userId: string) {
  return runSql<Record<string, unknown>>(
    em(),
    `WITH b AS (
       SELECT account_id, (booking_date AT TIME ZONE 'UTC')::date::text AS day,
              date_trunc('month', booking_date AT TIME ZONE 'UTC')::date::text AS month, currency,
              CASE WHEN amount < 0 THEN 'debit' ELSE 'credit' END AS direction, counterparty, amount
         FROM transactions WHERE user_id = ? AND status = 'booked'
     )
     SELECT account_id, day, currency, direction, count(*)::int AS count, sum(amount)::numeric(28,4)::text AS total
       FROM b GROUP BY 1, 2, 3, 4
     UNION ALL
     SELECT account_id, 'month ' || month, currency, direction, count(*)::int, sum(amount)::numeric(28,4)::text
       FROM b GROUP BY account_id, month, currency, direction
     UNION ALL
     SELECT account_id, month || ' ' || counterparty, currency, direction, count(*)::int, sum(amount)::numeric(28,4)::text
       FROM b WHERE counterparty <> '' GROUP BY account_id, month, counterparty, currency, direction
      ORDER BY 1, 2, 3, 4`,
    [userId],
  );
}

describe('rollups', () => {
  it('equal the aggregate over the raw transactions after random syncs, replacements and purges', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        const fq = new FakeFinqware();
        fq.pageSize = 4;
        const engine = createSyncEngine({
          finqware: fq,
          readSecrets: async () => ({ credentialsId: 'cred', accessToken: 'token' }),
          options: { overlapMinutes: 5 },
        });
        const { consentId, userId } = await insertConsent(em());
        const accounts = [fq.addAccount(), fq.addAccount()];
        // Finqware's insert time only moves forward: every new or changed row is seen by the next sync.
        let clock = Date.UTC(2026, 0, 1);
        const stamp = () => {
          clock += 1000;
          return new Date(clock).toISOString();
        };
        const fields = (m: Movement): Partial<FqTransaction> => ({
          accountId: accounts[m.account] as string,
          amount: (m.cents / 10_000).toFixed(4),
          creditDebitIndicator: m.debit ? 'debit' : 'credit',
          currency: m.currency,
          bookingDateTime: new Date(m.at).toISOString(),
          details: m.counterparty === undefined ? undefined : { merchant: m.counterparty },
          timestamp: stamp(),
        });
        const pending = () => fq.txs.filter((t) => t.status === 'pending');
        const pick = <T>(list: T[], n: number) => (list.length ? list[n % list.length] : undefined);

        for (const s of [...steps, { kind: 'sync' } as Step]) {
          switch (s.kind) {
            case 'book':
              fq.addTransaction({ accountId: accounts[0] as string, ...fields(s.m), status: 'booked' });
              break;
            case 'pend':
              fq.addTransaction({ accountId: accounts[0] as string, ...fields(s.m), status: 'pending' });
              break;
            case 'bookPending': {
              // Booked in place: same ids, maybe another amount or day.
              const tx = pick(pending(), s.pick);
              if (tx) Object.assign(tx, s.m ? fields(s.m) : { timestamp: stamp() }, { status: 'booked' });
              break;
            }
            case 'replacePending': {
              // Replaced: the pending row vanishes, a booked one with new ids arrives.
              const tx = pick(pending(), s.pick);
              if (tx) {
                fq.txs = fq.txs.filter((t) => t !== tx);
                fq.addTransaction({ accountId: accounts[0] as string, ...fields(s.m), status: 'booked' });
              }
              break;
            }
            case 'dropPending': {
              const tx = pick(pending(), s.pick);
              if (tx) fq.txs = fq.txs.filter((t) => t !== tx);
              break;
            }
            case 'correct': {
              // The bank corrects a booked row: amount, day, currency or counterparty.
              const tx = pick(
                fq.txs.filter((t) => t.status === 'booked'),
                s.pick,
              );
              if (tx) Object.assign(tx, fields(s.m));
              break;
            }
            case 'sync': {
              const result = await engine.syncConsent(em(), { consentId, reason: 'scheduled' });
              expect(result.outcome).toBe('SUCCEEDED');
              break;
            }
            case 'purge':
              // What the retention purge and a revoke with CONSENT_REVOKE_PURGE do: the consent's
              // accounts go, their transactions and rollups with them; the next sync starts afresh.
              await runSql(em(), 'DELETE FROM accounts WHERE user_skill_id = ?', [consentId]);
              await runSql(em(), `UPDATE user_skills SET sync_cursor = '{}'::jsonb WHERE id = ?`, [
                consentId,
              ]);
              break;
          }
          if (s.kind === 'sync' || s.kind === 'purge')
            expect(await rollups(userId)).toEqual(await aggregate(userId));
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
