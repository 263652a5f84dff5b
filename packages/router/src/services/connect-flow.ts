import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { db, jsonb, type StepDefinition } from '@tenant/domain';
import { TRPCError } from '@trpc/server';
import { sql } from 'kysely';
import {
  type ConnectSession,
  findCurrentStep,
  findEnabledSkill,
  findOwnedSession,
  type SessionStep,
} from '../access';
import type { AuthedUser } from '../context';
import {
  badRequestIssues,
  conflict,
  ErrorDetails,
  fromFinqwareError,
  isFinqwareError,
  isInvalidInput,
  preconditionFailed,
} from '../errors';
import type { FinqwarePort, RouterConfig } from '../ports';
import { reserveConnectSession } from './connect-limits';
import {
  completeWithToken,
  FAILURES,
  type FlowDeps,
  failSession,
  markSessionFailed,
} from './consent-completion';
import { endLease, type Lease, takeLease, takeReturnToken } from './session-lease';
import {
  type FlowStep,
  type FrontendStep,
  isRedirectKind,
  rejectedFields,
  toFrontendStep,
  validateStepValues,
} from './steps';

/**
 * The connect state machine. Finqware drives the order of steps; the skill's catalog `flow`
 * says what each one asks for. No transaction or row lock is ever held across a Finqware call:
 * a call that talks to Finqware for a session first takes the session's lease (one statement;
 * a concurrent call is refused with CONFLICT at once), calls Finqware with nothing held, then
 * writes the result in a short transaction fenced on its lease (services/session-lease.ts).
 *
 * The bank's redirect (GET /connect/callback) only records the temp_token on the session; the
 * session's owner completes it through their own authenticated connect.get, which exchanges the
 * token and stores the consent only if Finqware says it is that user's (consent-completion.ts).
 */

export type { FlowDeps };

export type ConnectState =
  | { sessionId: string; status: 'IN_PROGRESS'; done: false; step: FrontendStep }
  | { sessionId: string; status: 'COMPLETED'; done: true; consentId: string }
  | {
      sessionId: string;
      status: 'FAILED' | 'EXPIRED';
      done: false;
      reason: 'SESSION_FAILED' | 'SESSION_EXPIRED';
      /** Why it failed, when we know: `access_denied`, `consent_not_attributed`, `too_many_wrong_credentials`… */
      failure?: string;
    };

async function callFinqware<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isFinqwareError(err)) throw fromFinqwareError(err);
    throw err;
  }
}

export function callbackUrl(config: RouterConfig, sessionId: string): string {
  const url = new URL('/connect/callback', `${config.apiPublicUrl.replace(/\/+$/, '')}/`);
  url.searchParams.set('session', sessionId);
  return url.toString();
}

export function isExpired(session: { status: string; expires_at: Date }, now: Date): boolean {
  return session.status === 'IN_PROGRESS' && session.expires_at.getTime() <= now.getTime();
}

async function insertStep(
  em: EntityManager,
  session: { id: string },
  position: number,
  flowStep: { step: string; kind: FlowStep['kind']; title: string; fields: FlowStep['fields'] },
  flowIndex: number,
  redirectUrl: string | null,
  now: Date,
) {
  const definition: StepDefinition = { title: flowStep.title, fields: flowStep.fields, flowIndex };
  await db(em)
    .insertInto('steps')
    .values({
      id: randomUUID(),
      session_id: session.id,
      position,
      name: flowStep.step,
      kind: flowStep.kind,
      status: 'CURRENT',
      definition: jsonb(definition),
      redirect_url: redirectUrl,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

async function saveNonce(deps: FlowDeps, em: EntityManager, sessionId: string, nonce: string | null) {
  const sealed = nonce === null ? null : deps.vault.sealSessionNonce(sessionId, nonce);
  await db(em)
    .updateTable('sessions')
    .set({ nonce_enc: sealed, updated_at: deps.clock() })
    .where('id', '=', sessionId)
    .execute();
}

/** A session reserved for a start whose Finqware call never answered has no Finqware session. */
function finqwareSessionId(session: ConnectSession): string {
  if (!session.finqware_session_id) {
    throw new TRPCError({ code: 'CONFLICT', message: 'This connect session cannot continue; start again' });
  }
  return session.finqware_session_id;
}

function openNonce(deps: FlowDeps, session: ConnectSession): string {
  if (!session.nonce_enc) {
    throw new TRPCError({ code: 'CONFLICT', message: 'This connect session cannot continue; start again' });
  }
  return deps.vault.openSessionNonce(session.id, session.nonce_enc);
}

async function markStepSubmitted(
  em: EntityManager,
  stepId: string,
  finqwareStepId: string | undefined,
  now: Date,
) {
  await db(em)
    .updateTable('steps')
    .set((eb) => ({
      status: 'SUBMITTED',
      submitted_at: now,
      finqware_step_id: eb.fn.coalesce(eb.val(finqwareStepId ?? null), 'finqware_step_id'),
      updated_at: now,
    }))
    .where('id', '=', stepId)
    .execute();
}

/** The session's state as the front-end sees it. */
async function stateOf(em: EntityManager, session: ConnectSession, now: Date): Promise<ConnectState> {
  if (session.status === 'COMPLETED' && session.user_skill_id) {
    return { sessionId: session.id, status: 'COMPLETED', done: true, consentId: session.user_skill_id };
  }
  if (isExpired(session, now) || session.status === 'EXPIRED') {
    return { sessionId: session.id, status: 'EXPIRED', done: false, reason: 'SESSION_EXPIRED' };
  }
  const failed = (): ConnectState => ({
    sessionId: session.id,
    status: 'FAILED',
    done: false,
    reason: 'SESSION_FAILED',
    ...(session.failure_reason ? { failure: session.failure_reason } : {}),
  });
  if (session.status !== 'IN_PROGRESS') return failed();
  const step = await findCurrentStep(em, session.id);
  if (!step) return failed();
  return { sessionId: session.id, status: 'IN_PROGRESS', done: false, step: toFrontendStep(step) };
}

function protocolError(what: string): TRPCError {
  return new TRPCError({
    code: 'BAD_GATEWAY',
    message: `Finqware answered unexpectedly: ${what}`,
    cause: new ErrorDetails({ reason: 'UPSTREAM_ERROR' }),
  });
}

/** Gives a lease back without writing anything (the call was refused before Finqware heard of it). */
async function giveBack(deps: FlowDeps, lease: Lease): Promise<void> {
  await endLease(deps.em, lease);
}

/**
 * A redirect step needs the bank URL before the front-end can show it: submit the step to
 * Finqware with our callback as psu_redirect_link, under the session's lease. A Finqware failure
 * leaves a resumable session (connect.get retries); a busy session is left to its lease holder.
 */
async function ensureRedirect(deps: FlowDeps, userId: string, sessionId: string): Promise<void> {
  const lease = await takeLease(deps.em, userId, sessionId, deps.config.connectLeaseSeconds);
  if (!lease) return;
  const session = await findOwnedSession(deps.em, userId, sessionId);
  const step = await findCurrentStep(deps.em, session.id);
  if (!step || !isRedirectKind(step.kind) || step.redirect_url) return giveBack(deps, lease);
  let answer: Awaited<ReturnType<FinqwarePort['sessions']['submitStep']>>;
  try {
    answer = await callFinqware(() =>
      deps.fq.sessions.submitStep({
        sessionId: finqwareSessionId(session),
        nonce: openNonce(deps, session),
        skill: session.skill_code,
        step: step.name,
        data: { psu_redirect_link: callbackUrl(deps.config, session.id) },
      }),
    );
    if (!answer.redirect?.url) throw protocolError('the redirect step returned no bank URL');
  } catch (err) {
    await giveBack(deps, lease);
    throw err;
  }
  const redirectUrl = answer.redirect.url;
  await deps.em.transactional(async (em) => {
    if (!(await endLease(em, lease))) return;
    const now = deps.clock();
    await db(em)
      .updateTable('steps')
      .set((eb) => ({
        redirect_url: redirectUrl,
        finqware_step_id: eb.fn.coalesce(eb.val(answer.stepId ?? null), 'finqware_step_id'),
        updated_at: now,
      }))
      .where('id', '=', step.id)
      .execute();
    await saveNonce(deps, em, session.id, answer.nonce ?? null);
  });
}

/**
 * Starts a bank connection: the session row is reserved first (within the user's limits, see
 * connect-limits.ts) and holds its lease while Finqware creates the session, outside any
 * transaction; a Finqware failure ends the reserved session FAILED.
 */
export async function startConnect(deps: FlowDeps, user: AuthedUser, skillId: string): Promise<ConnectState> {
  const skill = await findEnabledSkill(deps.em, skillId);
  if (skill.kind === 'pisp') {
    // A payment is made through payments.initiate: once per idempotency key, tracked to its end.
    throw preconditionFailed('Payment skills are used through payments.initiate', 'USE_PAYMENTS');
  }
  const first = skill.flow[0];
  if (!first) throw protocolError('the skill has no steps');
  const sessionId = randomUUID();
  const now = deps.clock();
  await reserveConnectSession(deps.em, deps.config, user.id, async (em) => {
    await db(em)
      .insertInto('sessions')
      .values({
        id: sessionId,
        user_id: user.id,
        skill_id: skill.id,
        finqware_session_id: null,
        status: 'IN_PROGRESS',
        expires_at: new Date(now.getTime() + deps.config.connectSessionTtlSeconds * 1000),
        lease_until: sql<Date>`now() + make_interval(secs => ${deps.config.connectLeaseSeconds})`,
        lease_attempt: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
  });
  const lease: Lease = { sessionId, attempt: 1 };
  let created: Awaited<ReturnType<FinqwarePort['sessions']['create']>>;
  try {
    created = await callFinqware(() =>
      deps.fq.sessions.create({ tenantUserId: user.tenantUserId, skill: skill.code }),
    );
  } catch (err) {
    await failSession(deps, lease, FAILURES.bankUnavailable);
    throw err;
  }
  await deps.em.transactional(async (em) => {
    if (!(await endLease(em, lease))) return;
    await db(em)
      .updateTable('sessions')
      .set({
        finqware_session_id: created.sessionId,
        nonce_enc: deps.vault.sealSessionNonce(sessionId, created.nonce),
      })
      .where('id', '=', sessionId)
      .execute();
    await insertStep(em, { id: sessionId }, 0, first, 0, null, deps.clock());
  });
  if (isRedirectKind(first.kind)) await ensureRedirect(deps, user.id, sessionId);
  return getConnect(deps, user.id, sessionId);
}

const FINISH_WAIT_MS = 100;

/**
 * Where the flow stands. When the bank has sent this user back with a token, this call (the
 * owner's, with their bearer token) exchanges it and stores the consent if it is theirs; a call
 * racing it waits for that to end rather than show the bank step again.
 */
export async function getConnect(deps: FlowDeps, userId: string, sessionId: string): Promise<ConnectState> {
  let session = await findOwnedSession(deps.em, userId, sessionId);
  const now = deps.clock();
  if (isExpired(session, now)) {
    await db(deps.em)
      .updateTable('sessions')
      .set({ status: 'EXPIRED', nonce_enc: null, return_token_enc: null, updated_at: now })
      .where('id', '=', session.id)
      .where('status', '=', 'IN_PROGRESS')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', sql<Date>`now()`)]))
      .execute();
    return stateOf(deps.em, session, now);
  }
  if (session.status === 'IN_PROGRESS' && session.return_token_enc) {
    await finishBankReturn(deps, session);
    session = await findOwnedSession(deps.em, userId, sessionId);
  }
  // Another call of this user is finishing the bank's return: its answer is a moment away.
  const deadline = Date.now() + deps.config.connectLeaseSeconds * 1000;
  while (
    session.status === 'IN_PROGRESS' &&
    session.returned_at &&
    session.lease_busy &&
    Date.now() < deadline
  ) {
    await new Promise((resolve) => setTimeout(resolve, FINISH_WAIT_MS));
    session = await findOwnedSession(deps.em, userId, sessionId);
  }
  const state = await stateOf(deps.em, session, deps.clock());
  if (state.status === 'IN_PROGRESS' && isRedirectKind(state.step.kind) && !state.step.redirectUrl) {
    await ensureRedirect(deps, userId, sessionId);
    return stateOf(deps.em, await findOwnedSession(deps.em, userId, sessionId), deps.clock());
  }
  return state;
}

/** Takes the token the bank sent back (once) and completes the session with it. */
async function finishBankReturn(deps: FlowDeps, session: ConnectSession): Promise<void> {
  const taken = await takeReturnToken(deps.em, session.user_id, session.id, deps.config.connectLeaseSeconds);
  if (!taken) return;
  let tempToken: string;
  try {
    tempToken = deps.vault.openReturnToken(session.id, taken.sealedToken);
  } catch {
    // Sealed under a key no longer configured (a rotation that skipped it): unusable, like a bad token.
    deps.logger.warn({ sessionId: session.id }, 'bank return token could not be opened');
    await failSession(deps, taken, FAILURES.exchangeFailed);
    return;
  }
  await completeWithToken(deps, session, taken, tempToken);
}

/** Why a session cannot take a submission now (its lease was not free). */
async function refusal(deps: FlowDeps, userId: string, sessionId: string): Promise<ConnectState> {
  const session = await findOwnedSession(deps.em, userId, sessionId);
  const now = deps.clock();
  if (session.status === 'COMPLETED') return stateOf(deps.em, session, now);
  if (isExpired(session, now) || session.status === 'EXPIRED') {
    throw conflict('This connect session has expired; start again', 'SESSION_EXPIRED');
  }
  if (session.status !== 'IN_PROGRESS') {
    throw conflict('This connect session has ended; start again', 'SESSION_FAILED');
  }
  throw conflict('This connect session is busy with another request; try again', 'SESSION_BUSY');
}

/**
 * Submits the current step. The lease makes it one submission at a time per session: a second
 * one, in parallel or in the same batch, is a CONFLICT at once (SESSION_BUSY) and never reaches
 * Finqware. Wrong credentials count; the CONNECT_MAX_CREDENTIAL_FAILURES-th ends the session.
 */
export async function submitConnect(
  deps: FlowDeps,
  user: AuthedUser,
  input: { sessionId: string; stepId: string; values: Record<string, string> },
): Promise<ConnectState> {
  const lease = await takeLease(deps.em, user.id, input.sessionId, deps.config.connectLeaseSeconds);
  if (!lease) return refusal(deps, user.id, input.sessionId);
  let session: ConnectSession;
  let step: SessionStep;
  let data: Record<string, unknown>;
  try {
    session = await findOwnedSession(deps.em, user.id, input.sessionId);
    const current = await findCurrentStep(deps.em, session.id);
    if (!current || current.id !== input.stepId) {
      throw conflict('This step is not the current step of the session', 'STEP_NOT_CURRENT');
    }
    if (isRedirectKind(current.kind)) {
      throw conflict('This step is completed at the bank: open its redirectUrl', 'AWAITING_REDIRECT');
    }
    step = current;
    const values = validateStepValues(step.definition.fields, input.values);
    data =
      step.kind === 'sca_implicit'
        ? {}
        : step.kind === 'payment_intent'
          ? { ...values, psu_redirect_link: callbackUrl(deps.config, session.id) }
          : values;
  } catch (err) {
    await giveBack(deps, lease);
    throw err;
  }

  let answer: Awaited<ReturnType<FinqwarePort['sessions']['submitStep']>>;
  try {
    answer = await deps.fq.sessions.submitStep({
      sessionId: finqwareSessionId(session),
      nonce: openNonce(deps, session),
      skill: session.skill_code,
      step: step.name,
      data,
    });
  } catch (err) {
    // Wrong password or code: the bank keeps the same nonce valid, so the step stays current —
    // up to the limit, after which the session ends (a bank locks people out after a few).
    if (isFinqwareError(err) && isInvalidInput(err)) {
      await recordWrongCredentials(deps, lease);
      throw badRequestIssues('The bank did not accept these details', rejectedFields(step.definition.fields));
    }
    await giveBack(deps, lease);
    if (isFinqwareError(err)) throw fromFinqwareError(err);
    throw err;
  }

  if (answer.tempToken) {
    await completeWithToken(deps, session, lease, answer.tempToken, answer.stepId);
    return stateOf(deps.em, await findOwnedSession(deps.em, user.id, session.id), deps.clock());
  }

  const next = session.flow[step.definition.flowIndex + 1];
  if (!answer.redirect?.url && (!answer.nonce || !next)) {
    await giveBack(deps, lease);
    throw protocolError('no next step and no temp_token');
  }
  const now = deps.clock();
  const written = await deps.em.transactional(async (em) => {
    if (!(await endLease(em, lease))) return false;
    await markStepSubmitted(em, step.id, answer.stepId, now);
    if (answer.redirect?.url) {
      // payment_intent: the bank authorises the payment on its own page, then calls us back.
      await insertStep(
        em,
        session,
        step.position + 1,
        { step: step.name, kind: 'sca', title: `${step.definition.title}: approve at your bank`, fields: [] },
        step.definition.flowIndex,
        answer.redirect.url,
        now,
      );
      await saveNonce(deps, em, session.id, answer.nonce ?? null);
      return true;
    }
    if (next && answer.nonce) {
      await insertStep(em, session, step.position + 1, next, step.definition.flowIndex + 1, null, now);
      await saveNonce(deps, em, session.id, answer.nonce);
    }
    return true;
  });
  if (!written) throw conflict('This connect session was taken over by another request', 'SESSION_BUSY');
  if (next && isRedirectKind(next.kind) && !answer.redirect?.url) {
    await ensureRedirect(deps, user.id, input.sessionId);
  }
  return getConnect(deps, user.id, input.sessionId);
}

/** Counts a refused bank login and gives the lease back; at the limit the session ends FAILED. */
async function recordWrongCredentials(deps: FlowDeps, lease: Lease): Promise<void> {
  const limit = deps.config.connectLimits.maxCredentialFailures;
  const ended = await deps.em.transactional(async (em) => {
    if (!(await endLease(em, lease))) return false;
    const row = await db(em)
      .updateTable('sessions')
      .set((eb) => ({ credential_failures: eb('credential_failures', '+', 1), updated_at: sql<Date>`now()` }))
      .where('id', '=', lease.sessionId)
      .returning('credential_failures')
      .executeTakeFirst();
    if ((row?.credential_failures ?? 0) < limit) return false;
    await markSessionFailed(em, lease.sessionId, FAILURES.tooManyWrongCredentials, deps.clock());
    return true;
  });
  if (ended)
    deps.logger.info(
      { sessionId: lease.sessionId },
      'connect session ended after too many wrong bank credentials',
    );
}
