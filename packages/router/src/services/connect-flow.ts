import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { TRPCError } from '@trpc/server';
import {
  findCurrentStep,
  findEnabledSkill,
  findOwnedSession,
  findSessionForCallback,
  type SessionRow,
} from '../access';
import type { AuthedUser } from '../context';
import { sql } from '../db';
import {
  badRequestIssues,
  conflict,
  ErrorDetails,
  fromFinqwareError,
  isFinqwareError,
  isInvalidInput,
  preconditionFailed,
} from '../errors';
import { completePaymentCallback } from '../modules/payments/complete-payment';
import type { FinqwarePort, Logger, RouterConfig, SyncJobsPort, VaultPort } from '../ports';
import {
  type FlowStep,
  type FrontendStep,
  isRedirectKind,
  rejectedFields,
  type StepDefinition,
  type StepRow,
  toFrontendStep,
  validateStepValues,
} from './steps';

/**
 * The connect state machine. Finqware drives the order of steps; the skill's catalog `flow`
 * says what each one asks for. Every transition runs in one database transaction holding the
 * session row lock, so a double submission or a callback racing a submission sees the state the
 * other one left: a stale step is refused before anything is sent to Finqware.
 */

export type FlowDeps = {
  em: EntityManager;
  fq: FinqwarePort;
  vault: VaultPort;
  jobs: SyncJobsPort;
  config: RouterConfig;
  clock: () => Date;
  logger: Logger;
};

export type ConnectState =
  | { sessionId: string; status: 'IN_PROGRESS'; done: false; step: FrontendStep }
  | { sessionId: string; status: 'COMPLETED'; done: true; consentId: string }
  | {
      sessionId: string;
      status: 'FAILED' | 'EXPIRED';
      done: false;
      reason: 'SESSION_FAILED' | 'SESSION_EXPIRED';
    };

export type CallbackOutcome = {
  sessionId: string;
  status: 'done' | 'failed';
  reason?: string;
  /** Set when the session was a payment's (the front-end shows the payment). */
  paymentId?: string;
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

function isExpired(session: SessionRow, now: Date): boolean {
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
  await sql(em).run(
    `insert into steps (id, session_id, position, name, kind, status, definition, redirect_url, created_at, updated_at)
     values (?, ?, ?, ?, ?, 'CURRENT', ?::jsonb, ?, ?, ?)`,
    [
      randomUUID(),
      session.id,
      position,
      flowStep.step,
      flowStep.kind,
      JSON.stringify(definition),
      redirectUrl,
      now,
      now,
    ],
  );
}

async function saveNonce(deps: FlowDeps, em: EntityManager, sessionId: string, nonce: string | null) {
  const sealed = nonce === null ? null : deps.vault.sealSessionNonce(sessionId, nonce);
  await sql(em).run('update sessions set nonce_enc = ?, updated_at = ? where id = ?', [
    sealed,
    deps.clock(),
    sessionId,
  ]);
}

function openNonce(deps: FlowDeps, session: SessionRow): string {
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
  await sql(em).run(
    `update steps set status = 'SUBMITTED', submitted_at = ?, finqware_step_id = coalesce(?, finqware_step_id),
       updated_at = ? where id = ?`,
    [now, finqwareStepId ?? null, now, stepId],
  );
}

/** The session's state as the front-end sees it. */
async function stateOf(em: EntityManager, session: SessionRow, now: Date): Promise<ConnectState> {
  if (session.status === 'COMPLETED' && session.user_skill_id) {
    return { sessionId: session.id, status: 'COMPLETED', done: true, consentId: session.user_skill_id };
  }
  if (isExpired(session, now) || session.status === 'EXPIRED') {
    return { sessionId: session.id, status: 'EXPIRED', done: false, reason: 'SESSION_EXPIRED' };
  }
  if (session.status !== 'IN_PROGRESS') {
    return { sessionId: session.id, status: 'FAILED', done: false, reason: 'SESSION_FAILED' };
  }
  const step = await findCurrentStep(em, session.id);
  if (!step) return { sessionId: session.id, status: 'FAILED', done: false, reason: 'SESSION_FAILED' };
  return { sessionId: session.id, status: 'IN_PROGRESS', done: false, step: toFrontendStep(step) };
}

/**
 * The end of every flow: exchange the temp_token (server-side only), store the consent through
 * the vault and enqueue its first sync, all in the caller's transaction, then close the session.
 * Callers hold the session lock, so it runs once per session.
 */
async function completeSession(
  deps: FlowDeps,
  em: EntityManager,
  session: SessionRow,
  step: StepRow,
  tempToken: string,
  finqwareStepId?: string,
): Promise<string> {
  const pair = await callFinqware(() => deps.fq.tokens.exchange({ tempToken }));
  const { consentId } = await deps.vault.storeConsent(em, {
    userId: session.user_id,
    skillId: session.skill_id,
    credentialsId: pair.credentialsId,
    accessToken: pair.accessToken,
    consentExp: pair.consentExp ? new Date(pair.consentExp) : null,
    maxDataRetention: pair.maxDataRetention ? new Date(pair.maxDataRetention) : null,
  });
  // Only account-information consents have data to sync; payment and product consents are kept
  // so they can be listed and revoked.
  if (session.skill_kind === 'aisp') {
    await deps.jobs.enqueueConsentSync({ consentId, reason: 'initial' }, em);
  }
  const now = deps.clock();
  await markStepSubmitted(em, step.id, finqwareStepId, now);
  await sql(em).run(
    `update sessions set status = 'COMPLETED', user_skill_id = ?, nonce_enc = null, updated_at = ? where id = ?`,
    [consentId, now, session.id],
  );
  deps.logger.info({ sessionId: session.id, consentId }, 'connect session completed');
  return consentId;
}

/**
 * A redirect step needs the bank URL before the front-end can show it: submit the step to
 * Finqware with our callback as psu_redirect_link. Runs in its own transaction after the step
 * was committed, so a Finqware failure here leaves a resumable session (connect.get retries).
 */
async function ensureRedirect(deps: FlowDeps, userId: string, sessionId: string): Promise<void> {
  await deps.em.transactional(async (em) => {
    const session = await findOwnedSession(em, userId, sessionId, { forUpdate: true });
    if (session.status !== 'IN_PROGRESS' || isExpired(session, deps.clock())) return;
    const step = await findCurrentStep(em, session.id);
    if (!step || !isRedirectKind(step.kind) || step.redirect_url) return;
    const answer = await callFinqware(() =>
      deps.fq.sessions.submitStep({
        sessionId: session.finqware_session_id,
        nonce: openNonce(deps, session),
        skill: session.skill_code,
        step: step.name,
        data: { psu_redirect_link: callbackUrl(deps.config, session.id) },
      }),
    );
    if (!answer.redirect?.url) throw protocolError('the redirect step returned no bank URL');
    const now = deps.clock();
    await sql(em).run(
      'update steps set redirect_url = ?, finqware_step_id = coalesce(?, finqware_step_id), updated_at = ? where id = ?',
      [answer.redirect.url, answer.stepId ?? null, now, step.id],
    );
    await saveNonce(deps, em, session.id, answer.nonce ?? null);
  });
}

function protocolError(what: string): TRPCError {
  return new TRPCError({
    code: 'BAD_GATEWAY',
    message: `Finqware answered unexpectedly: ${what}`,
    cause: new ErrorDetails({ reason: 'UPSTREAM_ERROR' }),
  });
}

export async function startConnect(deps: FlowDeps, user: AuthedUser, skillId: string): Promise<ConnectState> {
  const skill = await findEnabledSkill(deps.em, skillId);
  if (skill.kind === 'pisp') {
    // A payment is made through payments.initiate: once per idempotency key, tracked to its end.
    throw preconditionFailed('Payment skills are used through payments.initiate', 'USE_PAYMENTS');
  }
  const first = skill.flow[0];
  if (!first) throw protocolError('the skill has no steps');
  const created = await callFinqware(() =>
    deps.fq.sessions.create({ tenantUserId: user.tenantUserId, skill: skill.code }),
  );
  const sessionId = randomUUID();
  const now = deps.clock();
  await deps.em.transactional(async (em) => {
    await sql(em).run(
      `insert into sessions (id, user_id, skill_id, finqware_session_id, status, nonce_enc, expires_at, created_at, updated_at)
       values (?, ?, ?, ?, 'IN_PROGRESS', ?, ?, ?, ?)`,
      [
        sessionId,
        user.id,
        skill.id,
        created.sessionId,
        deps.vault.sealSessionNonce(sessionId, created.nonce),
        new Date(now.getTime() + deps.config.connectSessionTtlSeconds * 1000),
        now,
        now,
      ],
    );
    await insertStep(em, { id: sessionId }, 0, first, 0, null, now);
  });
  if (isRedirectKind(first.kind)) await ensureRedirect(deps, user.id, sessionId);
  return getConnect(deps, user.id, sessionId);
}

export async function getConnect(deps: FlowDeps, userId: string, sessionId: string): Promise<ConnectState> {
  const session = await findOwnedSession(deps.em, userId, sessionId);
  const now = deps.clock();
  if (isExpired(session, now)) {
    await sql(deps.em).run(
      `update sessions set status = 'EXPIRED', nonce_enc = null, updated_at = ? where id = ? and status = 'IN_PROGRESS'`,
      [now, session.id],
    );
  }
  const state = await stateOf(deps.em, session, now);
  if (state.status === 'IN_PROGRESS' && isRedirectKind(state.step.kind) && !state.step.redirectUrl) {
    await ensureRedirect(deps, userId, sessionId);
    return stateOf(deps.em, await findOwnedSession(deps.em, userId, sessionId), deps.clock());
  }
  return state;
}

export async function submitConnect(
  deps: FlowDeps,
  user: AuthedUser,
  input: { sessionId: string; stepId: string; values: Record<string, string> },
): Promise<ConnectState> {
  const outcome = await deps.em.transactional(async (em): Promise<ConnectState | 'enter-redirect'> => {
    const session = await findOwnedSession(em, user.id, input.sessionId, { forUpdate: true });
    const now = deps.clock();
    if (session.status === 'COMPLETED') return stateOf(em, session, now);
    if (isExpired(session, now) || session.status === 'EXPIRED') {
      throw conflict('This connect session has expired; start again', 'SESSION_EXPIRED');
    }
    if (session.status !== 'IN_PROGRESS')
      throw conflict('This connect session has ended; start again', 'SESSION_FAILED');
    const step = await findCurrentStep(em, session.id);
    if (!step || step.id !== input.stepId) {
      throw conflict('This step is not the current step of the session', 'STEP_NOT_CURRENT');
    }
    if (isRedirectKind(step.kind)) {
      throw conflict('This step is completed at the bank: open its redirectUrl', 'AWAITING_REDIRECT');
    }

    const values = validateStepValues(step.definition.fields, input.values);
    const data: Record<string, unknown> =
      step.kind === 'sca_implicit'
        ? {}
        : step.kind === 'payment_intent'
          ? { ...values, psu_redirect_link: callbackUrl(deps.config, session.id) }
          : values;

    let answer: Awaited<ReturnType<FinqwarePort['sessions']['submitStep']>>;
    try {
      answer = await deps.fq.sessions.submitStep({
        sessionId: session.finqware_session_id,
        nonce: openNonce(deps, session),
        skill: session.skill_code,
        step: step.name,
        data,
      });
    } catch (err) {
      // Wrong password or code: the bank keeps the same nonce valid, so the step stays current.
      if (isFinqwareError(err) && isInvalidInput(err)) {
        throw badRequestIssues(
          'The bank did not accept these details',
          rejectedFields(step.definition.fields),
        );
      }
      if (isFinqwareError(err)) throw fromFinqwareError(err);
      throw err;
    }

    if (answer.tempToken) {
      await completeSession(deps, em, session, step, answer.tempToken, answer.stepId);
      return stateOf(em, await findOwnedSession(em, user.id, session.id), deps.clock());
    }

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
      return stateOf(em, session, now);
    }
    const next = session.flow[step.definition.flowIndex + 1];
    if (!answer.nonce || !next) throw protocolError('no next step and no temp_token');
    await insertStep(em, session, step.position + 1, next, step.definition.flowIndex + 1, null, now);
    await saveNonce(deps, em, session.id, answer.nonce);
    return isRedirectKind(next.kind) ? 'enter-redirect' : stateOf(em, session, now);
  });
  if (outcome === 'enter-redirect') {
    await ensureRedirect(deps, user.id, input.sessionId);
    return getConnect(deps, user.id, input.sessionId);
  }
  return outcome;
}

const REASON = /^[a-z_]{1,40}$/;

/**
 * GET /connect/callback: the bank (through Finqware) sends the browser back with a temp_token,
 * or with an error. Completes the session exactly once; a reload after completion is harmless.
 */
export async function completeFromCallback(
  deps: FlowDeps,
  input: { sessionId: string; tempToken?: string; error?: string },
): Promise<CallbackOutcome> {
  // A payment's bank session comes back through the same callback.
  const payment = await completePaymentCallback(deps, input);
  if (payment) return payment;
  return deps.em.transactional(async (em): Promise<CallbackOutcome> => {
    const session = await findSessionForCallback(em, input.sessionId);
    if (!session) return { sessionId: input.sessionId, status: 'failed', reason: 'unknown_session' };
    if (session.status === 'COMPLETED') return { sessionId: session.id, status: 'done' };
    const now = deps.clock();
    if (session.status !== 'IN_PROGRESS' || isExpired(session, now)) {
      return { sessionId: session.id, status: 'failed', reason: 'session_ended' };
    }
    const step = await findCurrentStep(em, session.id);
    if (!step || !isRedirectKind(step.kind) || !step.redirect_url) {
      return { sessionId: session.id, status: 'failed', reason: 'unexpected_callback' };
    }
    if (!input.tempToken) {
      const reason = input.error && REASON.test(input.error) ? input.error : 'bank_error';
      await sql(em).run(`update steps set status = 'FAILED', updated_at = ? where id = ?`, [now, step.id]);
      await sql(em).run(
        `update sessions set status = 'FAILED', nonce_enc = null, updated_at = ? where id = ?`,
        [now, session.id],
      );
      deps.logger.info({ sessionId: session.id, reason }, 'connect session failed at the bank');
      return { sessionId: session.id, status: 'failed', reason };
    }
    const tempToken = input.tempToken;
    await completeSession(deps, em, session, step, tempToken);
    return { sessionId: session.id, status: 'done' };
  });
}
