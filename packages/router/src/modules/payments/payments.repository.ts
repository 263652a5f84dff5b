import type { EntityManager } from '@mikro-orm/postgresql';
import { db, jsonb, type PaymentStatus } from '@tenant/domain';
import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { notFound } from '../../errors';

/** A user's payments: the idempotency record, the initiation lease, the bank session, the views. */

export type NewPayment = {
  userId: string;
  skillId: string;
  idempotencyKey: string;
  requestHash: string;
  debtorAccountId: string | null;
  debtorIban: string;
  creditorName: string;
  creditorIban: string;
  amount: string;
  currency: string;
  remittance: string | null;
  executionDate: string | null;
  /** Millisecond precision on purpose: the list's keyset cursor carries it as a JS Date. */
  createdAt: Date;
};

/**
 * The idempotency record: inserted and committed before Finqware hears of the payment. The unique
 * constraint on (user_id, idempotency_key) decides between concurrent first calls; the loser (and
 * every later replay) gets the row that won, with the hash of the request it was made with.
 */
export async function insertOrFindPayment(em: EntityManager, payment: NewPayment) {
  const inserted = await db(em)
    .insertInto('payments')
    .values({
      user_id: payment.userId,
      skill_id: payment.skillId,
      idempotency_key: payment.idempotencyKey,
      request_hash: payment.requestHash,
      debtor_account_id: payment.debtorAccountId,
      debtor_iban: payment.debtorIban,
      creditor_name: payment.creditorName,
      creditor_iban: payment.creditorIban,
      amount: payment.amount,
      currency: payment.currency,
      remittance: payment.remittance,
      execution_date: payment.executionDate,
      created_at: payment.createdAt,
      updated_at: payment.createdAt,
    })
    .onConflict((oc) => oc.columns(['user_id', 'idempotency_key']).doNothing())
    .returning(['id', 'request_hash'])
    .executeTakeFirst();
  if (inserted) return { ...inserted, created: true };
  const existing = await db(em)
    .selectFrom('payments')
    .select(['id', 'request_hash'])
    .where('user_id', '=', payment.userId)
    .where('idempotency_key', '=', payment.idempotencyKey)
    .executeTakeFirstOrThrow();
  return { ...existing, created: false };
}

/** Where the initiation of a payment stands (no lock: every change to it is one fenced statement). */
export async function initiationState(em: EntityManager, paymentId: string) {
  return db(em)
    .selectFrom('payments')
    .select((eb) => [
      'status',
      'session_id',
      eb
        .case()
        .when('initiation_lease_until', '>', sql<Date>`now()`)
        .then(sql<number>`extract(epoch from initiation_lease_until - now())::float8`)
        .else(0)
        .end()
        .as('leaseSeconds'),
    ])
    .where('id', '=', paymentId)
    .executeTakeFirstOrThrow();
}

/**
 * Takes the lease to create the payment's Finqware session: only while it has none, is PENDING and
 * nobody else's lease runs. Answers the attempt number that fences this caller's later write.
 */
export async function claimInitiation(em: EntityManager, paymentId: string, leaseSeconds: number) {
  const row = await db(em)
    .updateTable('payments')
    .set((eb) => ({
      initiation_attempt: eb('initiation_attempt', '+', 1),
      initiation_lease_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})`,
    }))
    .where('id', '=', paymentId)
    .where('session_id', 'is', null)
    .where('status', '=', 'PENDING')
    .where((eb) =>
      eb.or([eb('initiation_lease_until', 'is', null), eb('initiation_lease_until', '<=', sql<Date>`now()`)]),
    )
    .returning('initiation_attempt')
    .executeTakeFirst();
  return row?.initiation_attempt;
}

/** Gives the lease back after a failed attempt, so the caller's retry need not wait for it to lapse. */
export async function releaseInitiation(em: EntityManager, paymentId: string, attempt: number) {
  await db(em)
    .updateTable('payments')
    .set({ initiation_lease_until: null })
    .where('id', '=', paymentId)
    .where('initiation_attempt', '=', attempt)
    .where('session_id', 'is', null)
    .execute();
}

export type PaymentSessionRecord = {
  paymentId: string;
  attempt: number;
  sessionId: string;
  userId: string;
  skillId: string;
  finqwareSessionId: string;
  expiresAt: Date;
  now: Date;
  intentStep: { name: string; title: string; finqwareStepId: string | null };
  redirectUrl: string;
};

/**
 * Records the Finqware session of a payment: its session row, the submitted payment_intent step and
 * the bank's redirect step, and the payment's link to it — only if this caller's attempt still
 * holds the initiation (the fence). Run inside a transaction; false means another attempt won and
 * this one's bank link must never be shown.
 */
export async function recordPaymentSession(em: EntityManager, r: PaymentSessionRecord): Promise<boolean> {
  await db(em)
    .insertInto('sessions')
    .values({
      id: r.sessionId,
      user_id: r.userId,
      skill_id: r.skillId,
      finqware_session_id: r.finqwareSessionId,
      status: 'IN_PROGRESS',
      nonce_enc: null,
      expires_at: r.expiresAt,
      created_at: r.now,
      updated_at: r.now,
    })
    .execute();
  const definition = (title: string) => jsonb({ title, fields: [], flowIndex: 0 });
  await db(em)
    .insertInto('steps')
    .values([
      {
        session_id: r.sessionId,
        position: 0,
        name: r.intentStep.name,
        kind: 'payment_intent',
        status: 'SUBMITTED',
        definition: definition(r.intentStep.title),
        finqware_step_id: r.intentStep.finqwareStepId,
        submitted_at: r.now,
        created_at: r.now,
        updated_at: r.now,
      },
      {
        session_id: r.sessionId,
        position: 1,
        name: r.intentStep.name,
        kind: 'sca',
        status: 'CURRENT',
        definition: definition(`${r.intentStep.title}: approve at your bank`),
        redirect_url: r.redirectUrl,
        created_at: r.now,
        updated_at: r.now,
      },
    ])
    .execute();
  const linked = await db(em)
    .updateTable('payments')
    .set({ session_id: r.sessionId, initiation_lease_until: null, updated_at: r.now })
    .where('id', '=', r.paymentId)
    .where('initiation_attempt', '=', r.attempt)
    .where('session_id', 'is', null)
    .where('status', '=', 'PENDING')
    .executeTakeFirst();
  return Number(linked.numUpdatedRows) === 1;
}

/** The columns every view of a payment shows (amounts as text: never through a float). */
function paymentView(em: EntityManager) {
  return db(em)
    .selectFrom('payments as p')
    .innerJoin('skills as k', 'k.id', 'p.skill_id')
    .innerJoin('servicers as s', 's.id', 'k.servicer_id')
    .leftJoin('sessions as se', 'se.id', 'p.session_id')
    .leftJoin('steps as st', (join) =>
      join
        .onRef('st.session_id', '=', 'p.session_id')
        .on('st.status', '=', 'CURRENT')
        .on('st.kind', '=', 'sca'),
    )
    .select((eb) => [
      'p.id',
      'p.status',
      'p.status_reason as statusReason',
      'p.bank_status as bankStatus',
      eb.cast<string>('p.amount', 'text').as('amount'),
      'p.currency',
      'p.debtor_account_id as debtorAccountId',
      'p.debtor_iban as debtorIban',
      'p.creditor_name as creditorName',
      'p.creditor_iban as creditorIban',
      'p.remittance',
      'p.execution_date as executionDate',
      'p.idempotency_key as idempotencyKey',
      'k.id as skillId',
      'k.code as skillCode',
      'k.name as skillName',
      's.name as servicerName',
      'p.session_id as sessionId',
      'se.status as sessionStatus',
      'se.expires_at as sessionExpiresAt',
      'st.redirect_url as redirectUrl',
      'p.authorised_at as authorisedAt',
      'p.finished_at as finishedAt',
      'p.created_at as createdAt',
      'p.updated_at as updatedAt',
    ]);
}

/** One payment of this user with its status history; NOT_FOUND for another user's or a missing id. */
export async function findOwnedPayment(em: EntityManager, userId: string, paymentId: string) {
  const row = await paymentView(em)
    .select((eb) =>
      jsonArrayFrom(
        eb
          .selectFrom('payment_events as e')
          .select(['e.status', 'e.bank_status as bankStatus', 'e.reason', 'e.created_at as at'])
          .whereRef('e.payment_id', '=', 'p.id')
          .orderBy('e.created_at')
          .orderBy('e.id'),
      ).as('events'),
    )
    .where('p.id', '=', paymentId)
    .where('p.user_id', '=', userId)
    .executeTakeFirst();
  if (!row) throw notFound('Payment');
  return row;
}

/** A page of the user's payments, newest first, after the keyset position `after`. */
export async function listPayments(
  em: EntityManager,
  userId: string,
  options: { status?: PaymentStatus; after?: { createdAt: Date; id: string }; limit: number },
) {
  let query = paymentView(em).where('p.user_id', '=', userId);
  if (options.status) query = query.where('p.status', '=', options.status);
  if (options.after) {
    const { createdAt, id } = options.after;
    query = query.where((eb) => eb(eb.refTuple('p.created_at', 'p.id'), '<', eb.tuple(createdAt, id)));
  }
  return query.orderBy('p.created_at', 'desc').orderBy('p.id', 'desc').limit(options.limit).execute();
}

/** The payment a bank callback is for, by its session (the callback is not authenticated). */
export async function findPaymentBySession(em: EntityManager, sessionId: string) {
  return db(em)
    .selectFrom('payments as p')
    .innerJoin('sessions as se', 'se.id', 'p.session_id')
    .select([
      'p.id',
      'p.status',
      'p.user_id as userId',
      'se.status as sessionStatus',
      'se.expires_at as expiresAt',
    ])
    .where('p.session_id', '=', sessionId)
    .executeTakeFirst();
}

/** This user's payment with its bank session, and whether the bank's return token waits there. */
export async function findOwnedPaymentSession(em: EntityManager, userId: string, paymentId: string) {
  return db(em)
    .selectFrom('payments as p')
    .leftJoin('sessions as se', 'se.id', 'p.session_id')
    .select((eb) => [
      'p.id',
      'p.status',
      'p.session_id as sessionId',
      eb('se.return_token_enc', 'is not', null).as('hasReturnToken'),
    ])
    .where('p.id', '=', paymentId)
    .where('p.user_id', '=', userId)
    .executeTakeFirst();
}

/** A payment by id, whoever's (the callback checks which payment a token stands for). */
export async function findPaymentById(em: EntityManager, paymentId: string) {
  return db(em)
    .selectFrom('payments')
    .select(['id', 'status'])
    .where('id', '=', paymentId)
    .executeTakeFirst();
}

/** The bank sent the PSU back with a temp token: recorded before the exchange, so a lost exchange is known. */
export async function markTokenReceived(
  em: EntityManager,
  sessionId: string,
  now: Date,
  options: { undo?: boolean } = {},
) {
  const [from, to] = options.undo ? (['SUBMITTED', 'CURRENT'] as const) : (['CURRENT', 'SUBMITTED'] as const);
  await db(em)
    .updateTable('steps')
    .set({ status: to, submitted_at: options.undo ? null : now, updated_at: now })
    .where('session_id', '=', sessionId)
    .where('kind', '=', 'sca')
    .where('status', '=', from)
    .execute();
}

/** Closes the payment's bank session (the payment itself moves through movePaymentStatus). */
export async function closePaymentSession(
  em: EntityManager,
  sessionId: string,
  status: 'COMPLETED' | 'FAILED',
  now: Date,
) {
  await db(em)
    .updateTable('sessions')
    .set({ status, nonce_enc: null, updated_at: now })
    .where('id', '=', sessionId)
    .where('status', '=', 'IN_PROGRESS')
    .execute();
  if (status === 'FAILED') {
    await db(em)
      .updateTable('steps')
      .set({ status: 'FAILED', updated_at: now })
      .where('session_id', '=', sessionId)
      .where('status', '=', 'CURRENT')
      .execute();
  }
}

/** Stores the payment consent's pair, already sealed by the vault, on the payment row. */
export async function storePaymentSecrets(
  em: EntityManager,
  paymentId: string,
  sealed: { credentials_id_enc: string; access_token_enc: string; vault_key_id: string },
) {
  await db(em).updateTable('payments').set(sealed).where('id', '=', paymentId).execute();
}
