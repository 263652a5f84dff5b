import { applicationTables } from '@tenant/domain/testing';
import {
  createAccount,
  createConsent,
  type Harness,
  insertBalance,
  insertTransactions,
  type SignedUpUser,
  sql,
} from '@tenant/router/testing';

/**
 * What the fuzzer needs beyond @tenant/router/testing: users whose every id a procedure can take
 * exists (so hostile inputs can aim at real rows, their own and another user's), and the row counts
 * that prove a rejected call wrote nothing.
 */

export type FuzzIds = { consent: string; account: string; session: string; step: string; payment: string };
export type UserWithData = SignedUpUser & { ids: FuzzIds };

/** A user with a consent, an account, balances, transactions, a sync run and an open connect session. */
export async function userWithData(h: Harness): Promise<UserWithData> {
  const user = await h.signUp();
  const consentId = await createConsent(h, user.user.id);
  const accountId = await createAccount(h, user.user.id, consentId);
  await insertTransactions(
    h,
    user.user.id,
    accountId,
    Array.from({ length: 30 }, (_, i) => ({
      amount: `${i % 3 === 0 ? '' : '-'}${(i * 7.25 + 1).toFixed(2)}`,
      bookingDate: new Date(Date.UTC(2025, 0, 1 + i, 10)).toISOString(),
      status: i % 5 === 0 ? ('pending' as const) : ('booked' as const),
      description: `payment ${i} ü 🙂`,
      counterparty: `shop ${i % 4}`,
    })),
  );
  await insertBalance(h, accountId, { type: 'closingBooked', amount: '100.5', at: '2025-02-01' });
  await sql(h.em()).run(
    `insert into sync_runs (user_skill_id, reason, outcome) values (?, 'initial', 'SUCCEEDED')`,
    [consentId],
  );
  const started = await user.api.connect.start({ skillId: await h.skillId('bt_ro_aisp_sbx_#2.0') });
  if (started.status !== 'IN_PROGRESS') throw new Error('connect.start gave no step');
  const payment = await user.api.payments.initiate({
    skillId: await h.skillId('bt_ro_pisp_sbx_#1.0'),
    debtorIban: 'RO49AAAA1B31007593840000',
    creditor: { name: 'Ion Popescu', iban: 'RO10RZBR0000069999999970' },
    amount: '12.50',
    currency: 'RON',
    idempotencyKey: `fuzz-${user.user.id}`,
  });
  return {
    ...user,
    ids: {
      consent: consentId,
      account: accountId,
      session: started.sessionId,
      step: started.step.id,
      payment: payment.id,
    },
  };
}

/** Row counts of every application table and of the job queue, in one statement: a rejected call must change none. */
export async function snapshot(h: Harness): Promise<Record<string, number>> {
  const rows = await sql(h.em()).all<{ t: string; n: number }>(
    [...applicationTables(h.db.orm), 'pgboss.job']
      .map((t) => `select '${t}' as t, count(*)::int as n from ${t}`)
      .join(' union all '),
  );
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}
