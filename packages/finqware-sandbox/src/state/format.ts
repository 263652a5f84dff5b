import { findSkill } from '../catalog';
import type { Volume } from '../data/consent-accounts';
import type { Consent, ConsentStatus } from '../data/consents';
import { type Payment, type PaymentInstruction, readPaymentIntent } from '../data/payments';

/** What survives a restart. Sessions, nonces and temp tokens live minutes and are left out. */
export interface SandboxState {
  seed: string;
  /** Every instant the clock has shown; the first is the start the bank histories hang from. */
  instants: number[];
  consents: Consent[];
  /** Every payment the bank made: they settle with the clock after a restart too. */
  payments: Payment[];
}

const FORMAT = 'finqware-sandbox-state';
const VERSION = 1;
const STATUSES: readonly ConsentStatus[] = ['ACTIVE', 'DELETED', 'EXPIRED'];
// Instants are written by toISOString; anything looser is a hand edit we would rather reject.
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export class StateFormatError extends Error {}

export function serialiseState(state: SandboxState): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  return `${JSON.stringify(
    {
      format: FORMAT,
      version: VERSION,
      note: 'Development artefact of the local Finqware sandbox. The tokens are sandbox-issued fakes, not bank credentials.',
      seed: state.seed,
      instants: state.instants.map(iso),
      consents: state.consents.map((c) => ({
        credentialsId: c.credentialsId,
        accessToken: c.accessToken,
        tenantUserId: c.tenantUserId,
        skill: c.skill.code,
        status: c.status,
        createdAt: iso(c.createdAt),
        updatedAt: iso(c.updatedAt),
        consentExp: iso(c.consentExp),
        maxDataRetention: iso(c.maxDataRetention),
        history: c.history,
        ...(c.paymentId ? { paymentId: c.paymentId } : {}),
      })),
      payments: state.payments.map((p) => ({
        paymentId: p.paymentId,
        tenantUserId: p.tenantUserId,
        skill: p.skill.code,
        createdAt: iso(p.createdAt),
        instruction: p.instruction,
        data: p.data,
        ...(p.rejectReason ? { rejectReason: p.rejectReason } : {}),
      })),
    },
    null,
    2,
  )}\n`;
}

/**
 * Parses and checks a state file. Throws StateFormatError naming the first field at fault. A consent
 * whose skill left catalog.json cannot be served any more: it is dropped and reported in `dropped`.
 */
export function parseState(text: string): { state: SandboxState; dropped: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StateFormatError(`not valid JSON (${(err as Error).message})`);
  }
  const root = object(raw, 'the file');
  if (root.format !== FORMAT || root.version !== VERSION) {
    throw new StateFormatError(`not a version ${VERSION} ${FORMAT} file (format/version fields)`);
  }
  const instants = array(root.instants, 'instants').map((v, i) => instant(v, `instants[${i}]`));
  if (instants.length === 0) throw new StateFormatError('instants is empty');
  instants.forEach((t, i) => {
    if (i > 0 && t < instants[i - 1]!) throw new StateFormatError(`instants[${i}] goes back in time`);
  });
  const consents: Consent[] = [];
  const payments: Payment[] = [];
  const dropped: string[] = [];
  const seen = new Set<string>();
  array(root.consents, 'consents').forEach((v, i) => {
    const c = consent(v, `consents[${i}]`);
    if (seen.has(c.credentialsId)) throw new StateFormatError(`consents[${i}] repeats ${c.credentialsId}`);
    seen.add(c.credentialsId);
    if (c.consent) consents.push(c.consent);
    else dropped.push(`${c.credentialsId} (skill ${c.skill} is not in catalog.json)`);
    if (c.legacyPayment) payments.push(c.legacyPayment);
  });
  // Files written before payments had their own list have none.
  array(root.payments ?? [], 'payments').forEach((v, i) => {
    const p = payment(v, `payments[${i}]`);
    if (p.payment) payments.push(p.payment);
    else dropped.push(`payment ${p.paymentId} (skill ${p.skill} is not in catalog.json)`);
  });
  // The seed may be '' (any string is a valid seed), so string() is too strict here.
  if (typeof root.seed !== 'string') throw new StateFormatError('seed must be a string');
  return { state: { seed: root.seed, instants, consents, payments }, dropped };
}

function consent(
  v: unknown,
  at: string,
): { credentialsId: string; skill: string; consent?: Consent; legacyPayment?: Payment } {
  const o = object(v, at);
  const credentialsId = string(o.credentialsId, `${at}.credentialsId`);
  const skillCode = string(o.skill, `${at}.skill`);
  const status = o.status as ConsentStatus;
  if (!STATUSES.includes(status))
    throw new StateFormatError(`${at}.status must be one of ${STATUSES.join(', ')}`);
  const parsed: Omit<Consent, 'skill'> = {
    credentialsId,
    accessToken: string(o.accessToken, `${at}.accessToken`),
    tenantUserId: string(o.tenantUserId, `${at}.tenantUserId`),
    status,
    createdAt: instant(o.createdAt, `${at}.createdAt`),
    updatedAt: instant(o.updatedAt, `${at}.updatedAt`),
    consentExp: instant(o.consentExp, `${at}.consentExp`),
    maxDataRetention: instant(o.maxDataRetention, `${at}.maxDataRetention`),
    history: history(o.history, `${at}.history`),
  };
  if (o.paymentId !== undefined) parsed.paymentId = string(o.paymentId, `${at}.paymentId`);
  const skill = findSkill(skillCode);
  // Older files kept a PIS consent's payment inside it.
  let legacyPayment: Payment | undefined;
  if (o.payment !== undefined && skill) {
    const p = object(o.payment, `${at}.payment`);
    const data = object(p.data, `${at}.payment.data`);
    legacyPayment = {
      paymentId: string(p.paymentId, `${at}.payment.paymentId`),
      tenantUserId: parsed.tenantUserId,
      skill,
      createdAt: instant(p.createdAt, `${at}.payment.createdAt`),
      instruction: instruction(() => readPaymentIntent(data, undefined), `${at}.payment.data`),
      data,
    };
    parsed.paymentId = legacyPayment.paymentId;
  }
  return {
    credentialsId,
    skill: skillCode,
    ...(skill ? { consent: { ...parsed, skill } } : {}),
    ...(legacyPayment ? { legacyPayment } : {}),
  };
}

function instruction(read: () => PaymentInstruction, at: string): PaymentInstruction {
  try {
    return read();
  } catch (err) {
    throw new StateFormatError(`${at} is not a payment the sandbox can read (${(err as Error).message})`);
  }
}

function history(v: unknown, at: string): Consent['history'] {
  const o = object(v, at);
  const days = o.days;
  if (typeof days !== 'number' || !(days > 0))
    throw new StateFormatError(`${at}.days must be a positive number`);
  return { transactionsPerAccount: volume(o.transactionsPerAccount, `${at}.transactionsPerAccount`), days };
}

function volume(v: unknown, at: string): Volume {
  if (typeof v === 'number' && v >= 1) return v;
  const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  if (typeof o.min === 'number' && typeof o.max === 'number') return { min: o.min, max: o.max };
  throw new StateFormatError(`${at} must be a number >= 1 or { min, max }`);
}

function payment(v: unknown, at: string): { paymentId: string; skill: string; payment?: Payment } {
  const o = object(v, at);
  const paymentId = string(o.paymentId, `${at}.paymentId`);
  const skillCode = string(o.skill, `${at}.skill`);
  const skill = findSkill(skillCode);
  if (!skill) return { paymentId, skill: skillCode };
  const i = object(o.instruction, `${at}.instruction`);
  const optional = (name: string) =>
    i[name] === undefined ? {} : { [name]: string(i[name], `${at}.instruction.${name}`) };
  return {
    paymentId,
    skill: skillCode,
    payment: {
      paymentId,
      tenantUserId: string(o.tenantUserId, `${at}.tenantUserId`),
      skill,
      createdAt: instant(o.createdAt, `${at}.createdAt`),
      instruction: {
        debtorIban: string(i.debtorIban, `${at}.instruction.debtorIban`),
        creditorName: string(i.creditorName, `${at}.instruction.creditorName`),
        creditorIban: string(i.creditorIban, `${at}.instruction.creditorIban`),
        amount: string(i.amount, `${at}.instruction.amount`),
        currency: string(i.currency, `${at}.instruction.currency`),
        ...optional('remittance'),
        ...optional('executionDate'),
        ...optional('endToEndId'),
      },
      data: object(o.data, `${at}.data`),
      ...(o.rejectReason === undefined ? {} : { rejectReason: string(o.rejectReason, `${at}.rejectReason`) }),
    },
  };
}

function object(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new StateFormatError(`${at} must be an object`);
  return v as Record<string, unknown>;
}

function array(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) throw new StateFormatError(`${at} must be an array`);
  return v;
}

function string(v: unknown, at: string): string {
  if (typeof v !== 'string' || v === '') throw new StateFormatError(`${at} must be a non-empty string`);
  return v;
}

function instant(v: unknown, at: string): number {
  if (typeof v !== 'string' || !ISO.test(v) || Number.isNaN(Date.parse(v))) {
    throw new StateFormatError(`${at} must be an ISO instant like 2025-06-01T12:00:00.000Z`);
  }
  return Date.parse(v);
}
