import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { db, movePaymentStatus, PAYMENT_REASONS } from '@tenant/domain';
import { paymentInputData } from '@tenant/finqware-client';
import { TRPCError } from '@trpc/server';
import { findEnabledSkill } from '../../access';
import type { AuthedUser } from '../../context';
import {
  badRequest,
  conflict,
  ErrorDetails,
  fromFinqwareError,
  isFinqwareError,
  isInvalidInput,
  notFound,
} from '../../errors';
import { callbackUrl } from '../../services/connect-flow';
import { paymentAmount } from './money';
import { type PaymentDeps, paymentView } from './payment-view';
import {
  claimInitiation,
  initiationState,
  insertOrFindPayment,
  recordPaymentSession,
  releaseInitiation,
} from './payments.repository';
import type { PaymentsInitiateInput } from './payments.schemas';

/**
 * payments.initiate: a payment is made at most once per (user, idempotency key).
 *
 * 1. The idempotency record (the payments row, PENDING) commits first, before Finqware hears of the
 *    payment. The unique constraint decides between concurrent first calls; a replay with another
 *    body is a CONFLICT.
 * 2. One caller at a time takes the initiation lease (a fenced counter and an expiry on the row, no
 *    lock held) and creates the Finqware session and its payment_intent step, outside any
 *    transaction. Its write-back links the session to the payment only if its attempt still holds
 *    the lease.
 * 3. A crash (or a timeout) between 1 and the write-back leaves a PENDING payment without a session:
 *    the next call with the same key, once the lease lapsed, creates a new one. The lost attempt's
 *    bank link was never shown to anybody, so it cannot be authorised: nothing is paid twice.
 * Concurrent calls wait for the lease holder's result (up to WAIT_SECONDS), then get CONFLICT
 * (PAYMENT_IN_PROGRESS) with the seconds to wait.
 */

const WAIT_SECONDS = 15;
const WAIT_STEP_MS = 100;

/** sha-256 of the request in canonical form: what "the same body" means for an idempotency key. */
function requestHash(input: PaymentsInitiateInput, amount: string): string {
  const canonical = JSON.stringify([
    input.skillId,
    input.debtorAccountId ?? null,
    input.debtorIban ?? null,
    input.creditor.name,
    input.creditor.iban,
    amount,
    input.currency,
    input.remittance ?? null,
    input.executionDate ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The debtor account of a payment from a synced account: this user's, with an IBAN, at the skill's bank. */
async function debtorAccount(em: EntityManager, userId: string, accountId: string, servicerCode: string) {
  const account = await db(em)
    .selectFrom('accounts as a')
    .innerJoin('user_skills as us', 'us.id', 'a.user_skill_id')
    .innerJoin('skills as k', 'k.id', 'us.skill_id')
    .innerJoin('servicers as s', 's.id', 'k.servicer_id')
    .select(['a.id', 'a.iban', 's.code as servicerCode', 's.name as servicerName'])
    .where('a.id', '=', accountId)
    .where('a.user_id', '=', userId)
    .executeTakeFirst();
  if (!account) throw notFound('Account');
  if (!account.iban) throw badRequest('debtorAccountId', 'this account has no IBAN to pay from');
  if (account.servicerCode !== servicerCode) {
    throw badRequest(
      'debtorAccountId',
      `this account is at ${account.servicerName}: pay with that bank's payment skill`,
    );
  }
  return { id: account.id, iban: account.iban };
}

export async function initiatePayment(deps: PaymentDeps, user: AuthedUser, input: PaymentsInitiateInput) {
  const skill = await findEnabledSkill(deps.em, input.skillId);
  const intentStep = skill.flow[0];
  if (skill.kind !== 'pisp' || intentStep?.kind !== 'payment_intent') {
    throw badRequest('skillId', 'is not a payment skill (catalog.skills lists each skill with its kind)');
  }
  const offered = intentStep.fields.find((f) => f.name === 'currency')?.options;
  if (offered && !offered.includes(input.currency)) {
    throw badRequest('currency', `${skill.servicer_name} takes payments in ${offered.join(', ')}`);
  }
  const checked = paymentAmount(input.amount, input.currency);
  if ('problem' in checked) throw badRequest('amount', checked.problem);
  const debtor = input.debtorAccountId
    ? await debtorAccount(deps.em, user.id, input.debtorAccountId, skill.servicer_code)
    : { id: null, iban: input.debtorIban as string };

  const record = await insertOrFindPayment(deps.em, {
    userId: user.id,
    skillId: skill.id,
    idempotencyKey: input.idempotencyKey,
    requestHash: requestHash(input, checked.amount),
    debtorAccountId: debtor.id,
    debtorIban: debtor.iban,
    creditorName: input.creditor.name,
    creditorIban: input.creditor.iban,
    amount: checked.amount,
    currency: input.currency,
    remittance: input.remittance ?? null,
    executionDate: input.executionDate ?? null,
    createdAt: deps.clock(),
  });
  if (record.request_hash !== requestHash(input, checked.amount)) {
    throw conflict(
      'This idempotency key was used for a different payment; use a new key for a new payment',
      'IDEMPOTENCY_KEY_REUSED',
    );
  }
  if (!record.created) deps.logger.info({ paymentId: record.id }, 'payment initiation replayed');

  const paymentId = record.id;
  const deadline = Date.now() + WAIT_SECONDS * 1000;
  for (;;) {
    const state = await initiationState(deps.em, paymentId);
    if (state.session_id || state.status !== 'PENDING') break;
    const attempt =
      state.leaseSeconds > 0
        ? undefined
        : await claimInitiation(deps.em, paymentId, deps.config.paymentLeaseSeconds);
    if (attempt !== undefined) {
      await createBankSession(deps, user, {
        paymentId,
        attempt,
        skill,
        intentStep,
        debtorIban: debtor.iban,
        amount: checked.amount,
        input,
      });
      continue;
    }
    if (Date.now() > deadline) {
      const wait = Math.max(1, Math.ceil(state.leaseSeconds));
      throw new TRPCError({
        code: 'CONFLICT',
        message: `This payment is being initiated by another request; try again in ${wait}s`,
        cause: new ErrorDetails({ reason: 'PAYMENT_IN_PROGRESS', retryAfterSeconds: wait }),
      });
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
  }
  return paymentView(deps, user.id, paymentId);
}

/**
 * The Finqware side of an initiation, run by the lease holder only: a session for the payment
 * skill, then the payment_intent step with the §3.8 payment object, which answers the bank's
 * authorisation page. Outside any transaction; the write-back is fenced by `attempt`.
 */
async function createBankSession(
  deps: PaymentDeps,
  user: AuthedUser,
  a: {
    paymentId: string;
    attempt: number;
    skill: Awaited<ReturnType<typeof findEnabledSkill>>;
    intentStep: { step: string; title: string };
    debtorIban: string;
    amount: string;
    input: PaymentsInitiateInput;
  },
): Promise<void> {
  const sessionId = randomUUID();
  const reference = a.paymentId.replaceAll('-', '');
  let finqwareSessionId: string;
  let answer: Awaited<ReturnType<PaymentDeps['fq']['sessions']['submitStep']>>;
  try {
    const created = await deps.fq.sessions.create({ tenantUserId: user.tenantUserId, skill: a.skill.code });
    finqwareSessionId = created.sessionId;
    answer = await deps.fq.sessions.submitStep({
      sessionId: created.sessionId,
      nonce: created.nonce,
      skill: a.skill.code,
      step: a.intentStep.step,
      data: paymentInputData({
        psuRedirectLink: callbackUrl(deps.config, sessionId),
        paymentInfoId: reference,
        endToEndId: reference,
        debtor: { iban: a.debtorIban },
        creditor: { name: a.input.creditor.name, iban: a.input.creditor.iban },
        amount: a.amount,
        currency: a.input.currency,
        ...(a.input.remittance ? { remittance: a.input.remittance } : {}),
        ...(a.input.executionDate ? { requestedExecutionDate: a.input.executionDate } : {}),
      }),
    });
  } catch (err) {
    if (isFinqwareError(err) && isInvalidInput(err)) {
      // The bank refuses this payment as it stands: every retry would send the same data.
      await movePaymentStatus(deps.em, {
        paymentId: a.paymentId,
        to: 'FAILED',
        reason: PAYMENT_REASONS.refusedByBank,
        from: ['PENDING'],
        at: deps.clock(),
      });
      deps.logger.warn({ paymentId: a.paymentId, code: err.error?.code }, 'payment refused by the bank');
      return;
    }
    await releaseInitiation(deps.em, a.paymentId, a.attempt);
    if (isFinqwareError(err)) throw fromFinqwareError(err);
    throw err;
  }
  if (!answer.redirect?.url) {
    await releaseInitiation(deps.em, a.paymentId, a.attempt);
    throw new TRPCError({
      code: 'BAD_GATEWAY',
      message: 'Finqware answered unexpectedly: the payment step returned no bank URL',
      cause: new ErrorDetails({ reason: 'UPSTREAM_ERROR' }),
    });
  }
  const redirectUrl = answer.redirect.url;
  const now = deps.clock();
  const linked = await deps.em
    .transactional(async (em) => {
      const ok = await recordPaymentSession(em, {
        paymentId: a.paymentId,
        attempt: a.attempt,
        sessionId,
        userId: user.id,
        skillId: a.skill.id,
        finqwareSessionId,
        expiresAt: new Date(now.getTime() + deps.config.connectSessionTtlSeconds * 1000),
        now,
        intentStep: {
          name: a.intentStep.step,
          title: a.intentStep.title,
          finqwareStepId: answer.stepId ?? null,
        },
        redirectUrl,
      });
      // Another attempt linked its session first: roll ours back; its bank link is never shown.
      if (!ok) throw new LostLease();
      return true;
    })
    .catch((err) => {
      if (err instanceof LostLease) return false;
      throw err;
    });
  deps.logger.info(
    { paymentId: a.paymentId, sessionId, linked },
    linked ? 'payment sent to the bank' : 'payment initiation lost its lease',
  );
}

class LostLease extends Error {}
