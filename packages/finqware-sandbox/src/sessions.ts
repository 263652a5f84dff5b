import { randomBytes, randomUUID } from 'node:crypto';
import {
  CATALOG,
  type CatalogField,
  type CatalogSkill,
  type CatalogStep,
  findSkill,
  servicerOf,
} from './catalog';
import { isIban } from './data/iban';
import { checkExecutionDate, type PaymentInstruction, readPaymentIntent } from './data/payments';
import { parseAmountInput } from './decimal';
import { ApiError, badRequest, unauthorized } from './errors';
import { SPEC_CHOICES } from './spec-choices';
import { SANDBOX_BANK } from './tenant-app';
import { MINUTE } from './time';
import { opaqueToken } from './tokens';

export interface Session {
  id: string;
  skill: CatalogSkill;
  tenantUserId: string;
  /** Index in skill.flow of the next step to submit. */
  stepIndex: number;
  status: string;
  /** Values collected so far (the payment intent is echoed by payments/get). */
  collected: Record<string, unknown>;
  /** The credit transfer of a payment_intent step, once submitted. */
  payment?: PaymentInstruction;
}

interface NonceRecord {
  sessionId: string;
  stepIndex: number;
  expiresAt: number;
  used: boolean;
}

interface Authorization {
  sessionId: string;
  psuRedirectLink: string;
  used: boolean;
  expiresAt: number;
}

export interface TempTokenRecord {
  sessionId: string;
  tenantUserId: string;
  skill: CatalogSkill;
  expiresAt: number;
  used: boolean;
  collected: Record<string, unknown>;
  /** The payment the PSU approved on the bank page (PIS sessions). */
  paymentId?: string;
}

export interface StepAnswer {
  step_id: string;
  status: string;
  nonce?: string;
  temp_token?: string;
  data: Record<string, unknown>;
}

const nonceError = (message: string) => ApiError.of(SPEC_CHOICES.nonceError, message);

/** Redirect steps hand the browser to the bank; the flow can only continue from there to the end. */
function isRedirect(step: CatalogStep): boolean {
  return step.kind === 'sca' || step.kind === 'payment_intent';
}

for (const skill of CATALOG.skills) {
  skill.flow.forEach((step, i) => {
    if (isRedirect(step) && i !== skill.flow.length - 1) {
      throw new Error(`catalog.json: ${skill.code} has redirect step ${step.step} before its last step`);
    }
  });
}

/** Sessions, steps, nonces, the bank page and temp tokens (§3.1–3.3, §5.4–5.5). */
export class SessionEngine {
  private readonly sessions = new Map<string, Session>();
  private readonly nonces = new Map<string, NonceRecord>();
  private readonly authorizations = new Map<string, Authorization>();
  private readonly tempTokens = new Map<string, TempTokenRecord>();
  /** step_id → session id, for uploads. */
  private readonly steps = new Map<string, string>();

  /**
   * `approvePayment` is called when the PSU approves a payment on the bank page: the bank makes the
   * payment then, and answers its id.
   */
  constructor(
    private readonly now: () => number,
    private readonly approvePayment: (session: Session & { payment: PaymentInstruction }) => string = () => {
      throw new Error('this sandbox cannot make payments');
    },
  ) {}

  resolveSkill(code: string): CatalogSkill {
    if (!SPEC_CHOICES.skillIdPattern.test(code))
      throw badRequest('invalid_skill_name', `skill ${JSON.stringify(code)} is not a skill id`);
    const skill = findSkill(code);
    if (!skill?.enabled)
      throw unauthorized('unauthorized_tenant', `skill ${code} is not registered for this tenant app`);
    return skill;
  }

  private issueNonce(session: Session): string {
    const nonce = opaqueToken('nonces');
    this.nonces.set(nonce, {
      sessionId: session.id,
      stepIndex: session.stepIndex,
      expiresAt: this.now() + SPEC_CHOICES.nonceTtlMinutes * MINUTE,
      used: false,
    });
    return nonce;
  }

  private issueTempToken(session: Session, paymentId?: string): string {
    const token = opaqueToken('temp_token');
    session.status = SPEC_CHOICES.sessionCompletedStatus;
    session.stepIndex = session.skill.flow.length;
    this.tempTokens.set(token, {
      sessionId: session.id,
      tenantUserId: session.tenantUserId,
      skill: session.skill,
      expiresAt: this.now() + SPEC_CHOICES.tempTokenTtlMinutes * MINUTE,
      used: false,
      collected: session.collected,
      ...(paymentId ? { paymentId } : {}),
    });
    return token;
  }

  create(tenantUserId: string, skill: CatalogSkill): { nonce: string; session_id: string; status: string } {
    const session: Session = {
      id: randomUUID(),
      skill,
      tenantUserId,
      stepIndex: 0,
      status: 'SESSION_CREATED',
      collected: {},
    };
    this.sessions.set(session.id, session);
    return { nonce: this.issueNonce(session), session_id: session.id, status: session.status };
  }

  /** Submits one step. `origin` is the base URL the bank page link is built on. */
  submit(
    sessionId: string,
    input: { nonce: string; skill: string; step: string; data: Record<string, unknown> },
    origin: string,
  ): StepAnswer {
    const session = this.sessions.get(sessionId);
    if (!session) throw badRequest('invalid_session_id', `session ${sessionId} does not exist`);
    if (input.skill !== session.skill.code) {
      throw badRequest(
        'invalid_skill_name',
        `skill ${input.skill} is not the skill of session ${sessionId} (${session.skill.code})`,
      );
    }
    const record = this.nonces.get(input.nonce);
    if (!record || record.sessionId !== session.id) throw nonceError('nonce is not valid for this session');
    if (record.used) throw nonceError('nonce was already used; use the nonce returned by the previous call');
    if (this.now() >= record.expiresAt) throw nonceError('nonce expired (nonces live 30 minutes)');
    const step = session.skill.flow[session.stepIndex];
    if (!step || record.stepIndex !== session.stepIndex) {
      throw badRequest(
        'invalid_step',
        `session ${sessionId} expects no more steps (status ${session.status})`,
      );
    }
    if (input.step !== step.step) {
      throw badRequest(
        'invalid_step',
        `session ${sessionId} expects step "${step.step}", not "${input.step}"`,
      );
    }
    // Validation failures leave the nonce valid: the user may correct a password and retry.
    const values = this.validateStepData(step, input.data);
    if (step.kind === 'payment_intent') session.payment = this.readPayment(step, input.data);
    record.used = true;
    Object.assign(session.collected, values);
    const stepId = randomUUID();
    this.steps.set(stepId, session.id);
    const last = session.stepIndex === session.skill.flow.length - 1;

    if (isRedirect(step)) {
      const state = randomUUID();
      this.authorizations.set(state, {
        sessionId: session.id,
        psuRedirectLink: String(input.data.psu_redirect_link),
        used: false,
        expiresAt: this.now() + SPEC_CHOICES.bankLinkTtlMinutes * MINUTE,
      });
      session.status = 'SESSION_IN_PROGRESS';
      session.stepIndex += 1;
      return {
        step_id: stepId,
        status: session.status,
        data: this.redirectInstruction(session.skill, step, state, origin),
      };
    }
    if (last) {
      return {
        step_id: stepId,
        status: SPEC_CHOICES.sessionCompletedStatus,
        temp_token: this.issueTempToken(session),
        data: {},
      };
    }
    session.stepIndex += 1;
    session.status = 'SESSION_IN_PROGRESS';
    return { step_id: stepId, status: session.status, nonce: this.issueNonce(session), data: {} };
  }

  /** A payment_intent's credit transfer, in either accepted shape (see readPaymentIntent). */
  private readPayment(step: CatalogStep, data: Record<string, unknown>): PaymentInstruction {
    const currencies = step.fields.find((f) => f.name === 'currency')?.options;
    const payment = readPaymentIntent(data, currencies);
    checkExecutionDate(payment, this.now());
    return payment;
  }

  private validateStepData(step: CatalogStep, data: Record<string, unknown>): Record<string, unknown> {
    if (step.kind === 'payment_intent') {
      // Its shape is checked by readPayment; everything but the redirect link is echoed by payments/get.
      if (
        typeof data.psu_redirect_link !== 'string' ||
        !/^[a-z][a-z0-9+.-]*:/i.test(data.psu_redirect_link)
      ) {
        throw badRequest(
          'missing_fields',
          'step payment_intent: data.psu_redirect_link must be an absolute URL',
        );
      }
      const { psu_redirect_link: _, ...rest } = data;
      return rest;
    }
    const values: Record<string, unknown> = {};
    const fields: CatalogField[] = [...step.fields];
    if (isRedirect(step))
      fields.push({ name: 'psu_redirect_link', type: 'url', label: 'Redirect link', required: true });
    const missing = fields.filter(
      (f) => f.required && (data[f.name] === undefined || data[f.name] === null || data[f.name] === ''),
    );
    if (missing.length > 0) {
      throw badRequest(
        'missing_fields',
        `step ${step.step}: missing data field(s): ${missing.map((f) => f.name).join(', ')}`,
      );
    }
    for (const f of fields) {
      const raw = data[f.name];
      if (raw === undefined || raw === null || raw === '') continue;
      if (typeof raw !== 'string' && typeof raw !== 'number') {
        throw badRequest('invalid_field', `step ${step.step}: data.${f.name} must be a string`);
      }
      const value = String(raw);
      const fail = (why: string) => badRequest('invalid_input', `step ${step.step}: data.${f.name} ${why}`);
      switch (f.type) {
        case 'password':
          if (value !== SANDBOX_BANK.password) throw fail('is wrong (the sandbox password is "sandbox")');
          break;
        case 'otp':
          if (value !== SANDBOX_BANK.otp) throw fail('is wrong (the sandbox one-time code is "123456")');
          break;
        case 'amount':
          if (parseAmountInput(value) === undefined)
            throw fail('must be a positive amount with at most 2 decimals');
          break;
        case 'select':
          if (f.options && !f.options.includes(value)) throw fail(`must be one of ${f.options.join(', ')}`);
          break;
        case 'iban':
          if (!isIban(value)) throw fail('is not an IBAN');
          break;
        case 'url':
          if (!/^[a-z][a-z0-9+.-]*:/i.test(value))
            throw fail('must be an absolute URL (https://… or myapp://…)');
          break;
      }
      // Credentials are checked, never kept.
      if (f.type !== 'password' && f.type !== 'otp') values[f.name] = value;
    }
    return values;
  }

  private redirectInstruction(skill: CatalogSkill, step: CatalogStep, state: string, origin: string) {
    const servicer = servicerOf(skill);
    const scope = step.kind === 'payment_intent' ? 'PIS' : 'AIS';
    const query = new URLSearchParams({
      client_id: `sandbox-${servicer.code}`,
      code_challenge: randomBytes(32).toString('base64url'),
      code_challenge_method: 'S256',
      redirect_uri: `${origin}/v1/redirects/${scope.toLowerCase() === 'pis' ? 'pisp' : 'aisp'}`,
      response_type: 'code',
      scope: `${scope}:${state.slice(0, 7)}`,
      state,
    });
    return {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      method: 'GET',
      url: `${origin}/bank/${servicer.code}/authorize?${query}`,
    };
  }

  /**
   * The sandbox bank's consent page: approves at once (or denies with `deny=1`) and answers with the
   * Location the browser goes to next.
   */
  bankAuthorize(state: string | null, deny: boolean): { location: string } | { error: string } {
    const auth = state ? this.authorizations.get(state) : undefined;
    if (!auth) return { error: 'This authorization link is not known to the sandbox bank.' };
    if (auth.used) return { error: 'This authorization link was already used.' };
    if (this.now() >= auth.expiresAt) return { error: 'This authorization link expired.' };
    auth.used = true;
    const session = this.sessions.get(auth.sessionId)!;
    const url = auth.psuRedirectLink;
    const sep = url.includes('?') ? '&' : '?';
    if (deny) {
      session.status = SPEC_CHOICES.sessionFailedStatus;
      return { location: `${url}${sep}${new URLSearchParams(SPEC_CHOICES.denyRedirectParam)}` };
    }
    const paymentId = session.payment
      ? this.approvePayment({ ...session, payment: session.payment })
      : undefined;
    const token = this.issueTempToken(session, paymentId);
    return { location: `${url}${sep}temp_token=${encodeURIComponent(token)}` };
  }

  /** Consumes a temp token (single use, short-lived). */
  redeem(tempToken: string): TempTokenRecord {
    const record = this.tempTokens.get(tempToken);
    if (!record) throw unauthorized('invalid_temp_token', 'temp_token is not known');
    if (record.used) throw unauthorized('invalid_temp_token', 'temp_token was already exchanged');
    if (this.now() >= record.expiresAt) throw unauthorized('invalid_temp_token', 'temp_token expired');
    record.used = true;
    return record;
  }

  stepExists(stepId: string): boolean {
    return this.steps.has(stepId);
  }

  clear(): void {
    this.sessions.clear();
    this.nonces.clear();
    this.authorizations.clear();
    this.tempTokens.clear();
    this.steps.clear();
  }
}
