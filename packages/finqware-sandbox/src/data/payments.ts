import { randomUUID } from 'node:crypto';
import type { CatalogSkill } from '../catalog';
import { centsToString, parseAmountInput } from '../decimal';
import { badRequest } from '../errors';
import { SPEC_CHOICES } from '../spec-choices';
import { DAY, MINUTE } from '../time';
import { isIban } from './iban';

/**
 * Payments the sandbox bank executed. A payment exists from the moment the PSU approves it on the
 * bank page (money moves whether or not the tenant ever exchanges the temp token), so the truth
 * lists it from then on. Its status is a function of the sandbox clock: a test or the soak moves
 * the clock and the payment settles, like the bank would overnight.
 */

/** One credit transfer, as read from the payment_intent step data. */
export interface PaymentInstruction {
  debtorIban: string;
  creditorName: string;
  creditorIban: string;
  /** Exact 2-decimal string, positive. */
  amount: string;
  currency: string;
  remittance?: string;
  /** YYYY-MM-DD, when the tenant asked for a date. */
  executionDate?: string;
  /** The tenant's end-to-end id: how a test matches a bank payment to the tenant's record. */
  endToEndId?: string;
}

export interface Payment {
  paymentId: string;
  tenantUserId: string;
  skill: CatalogSkill;
  /** Sandbox time of the PSU's approval. */
  createdAt: number;
  instruction: PaymentInstruction;
  /** The payment_intent data as sent (minus psu_redirect_link), echoed by payments/get. */
  data: Record<string, unknown>;
  /** Set when the bank will reject it (a fault): the ISO 20022 reason code it reports. */
  rejectReason?: string;
}

export type PaymentStatus = (typeof SPEC_CHOICES.paymentStatuses)[keyof typeof SPEC_CHOICES.paymentStatuses];

/** When the payment settles: a day after approval, or on its requested execution date if later. */
function settlesAt(p: Payment): number {
  const requested = p.instruction.executionDate ? Date.parse(`${p.instruction.executionDate}T00:00:00Z`) : 0;
  return Math.max(p.createdAt + SPEC_CHOICES.paymentSettleAfterMinutes * MINUTE, requested);
}

/** The bank's status of `p` at sandbox time `now` (pain.002-like codes, SPEC_CHOICES.paymentStatuses). */
export function paymentStatusAt(
  p: Payment,
  now: number,
): { status: PaymentStatus; since: number; reason?: string } {
  const codes = SPEC_CHOICES.paymentStatuses;
  const acceptedAt = p.createdAt + SPEC_CHOICES.paymentAcceptAfterMinutes * MINUTE;
  if (now < acceptedAt) return { status: codes.authorised, since: p.createdAt };
  if (p.rejectReason) return { status: codes.rejected, since: acceptedAt, reason: p.rejectReason };
  const settled = settlesAt(p);
  if (now < settled) return { status: codes.accepted, since: acceptedAt };
  return { status: codes.settled, since: settled };
}

export class PaymentStore {
  private readonly byId = new Map<string, Payment>();

  constructor(private readonly changed: () => void = () => {}) {}

  restore(payments: readonly Payment[]): void {
    for (const p of payments) this.byId.set(p.paymentId, p);
  }

  /** The PSU approved the payment at the bank: it is made. */
  approve(input: Omit<Payment, 'paymentId'>): Payment {
    const payment: Payment = { paymentId: randomUUID(), ...input };
    this.byId.set(payment.paymentId, payment);
    this.changed();
    return payment;
  }

  get(paymentId: string): Payment | undefined {
    return this.byId.get(paymentId);
  }

  all(): Payment[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
  }
}

const DAY_ONLY = /^\d{4}-\d{2}-\d{2}$/;

type Fail = (why: string) => Error;

function text(value: unknown, name: string, fail: Fail, max = 140): string {
  if (typeof value !== 'string' || value.trim() === '') throw fail(`${name} must be a non-empty string`);
  if (value.length > max) throw fail(`${name} must be at most ${max} characters`);
  return value.trim();
}

function iban(value: unknown, name: string, fail: Fail): string {
  const v = text(value, name, fail, 42).replace(/\s+/g, '').toUpperCase();
  if (!isIban(v)) throw fail(`${name} is not a valid IBAN`);
  return v;
}

function record(value: unknown, name: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw fail(`${name} must be an object`);
  return value as Record<string, unknown>;
}

/**
 * Reads a payment_intent step's data. Two shapes are accepted:
 * - the payment input data object of spec §3.8 (`payment_info[]`, pain.001-like; the names past
 *   `payment_info` are [INFERRED], see SPEC_CHOICES.paymentInputData). The sandbox bank executes
 *   single payments only: one `payment_info` with one credit transfer;
 * - the catalog flow's flat form fields (debtor_iban, creditor_name, …), for form-driven clients.
 * `currencies` are the skill's (its catalog `currency` options). Throws `invalid_input` naming the field.
 */
export function readPaymentIntent(
  data: Record<string, unknown>,
  currencies: readonly string[] | undefined,
): PaymentInstruction {
  const fail: Fail = (why) => badRequest('invalid_input', `step payment_intent: ${why}`);
  const instruction = data.payment_info === undefined ? readFlat(data, fail) : readStructured(data, fail);
  if (currencies && !currencies.includes(instruction.currency)) {
    throw fail(`currency ${instruction.currency} is not offered by this bank (${currencies.join(', ')})`);
  }
  return instruction;
}

function amountOf(value: unknown, name: string, fail: Fail): string {
  const cents = parseAmountInput(value);
  if (cents === undefined) throw fail(`${name} must be a positive amount with at most 2 decimals`);
  return centsToString(cents);
}

function readFlat(data: Record<string, unknown>, fail: Fail): PaymentInstruction {
  const remittance = data.remittance_information;
  return {
    debtorIban: iban(data.debtor_iban, 'data.debtor_iban', fail),
    creditorName: text(data.creditor_name, 'data.creditor_name', fail, 70),
    creditorIban: iban(data.creditor_iban, 'data.creditor_iban', fail),
    amount: amountOf(data.amount, 'data.amount', fail),
    currency: text(data.currency, 'data.currency', fail, 3),
    ...(remittance !== undefined && remittance !== ''
      ? { remittance: text(remittance, 'data.remittance_information', fail) }
      : {}),
  };
}

function readStructured(data: Record<string, unknown>, fail: Fail): PaymentInstruction {
  const infos = data.payment_info;
  if (!Array.isArray(infos) || infos.length === 0) throw fail('data.payment_info must be a non-empty array');
  if (infos.length > 1) throw fail('this bank executes single payments only (one payment_info)');
  const info = record(infos[0], 'data.payment_info[0]', fail);
  const at = 'data.payment_info[0]';
  const debtorAccount = record(info.debtor_account, `${at}.debtor_account`, fail);
  const transfers = info.credit_transfer_transactions;
  if (!Array.isArray(transfers) || transfers.length !== 1) {
    throw fail(`${at}.credit_transfer_transactions must hold exactly one transfer`);
  }
  const tx = record(transfers[0], `${at}.credit_transfer_transactions[0]`, fail);
  const txAt = `${at}.credit_transfer_transactions[0]`;
  const amount = record(tx.instructed_amount, `${txAt}.instructed_amount`, fail);
  const creditor = record(tx.creditor, `${txAt}.creditor`, fail);
  const creditorAccount = record(tx.creditor_account, `${txAt}.creditor_account`, fail);
  const currency = text(amount.currency, `${txAt}.instructed_amount.currency`, fail, 3);
  const debtorCurrency = debtorAccount.currency;
  if (debtorCurrency !== undefined && typeof debtorCurrency !== 'string') {
    throw fail(`${at}.debtor_account.currency must be a string`);
  }
  const date = info.requested_execution_date;
  if (
    date !== undefined &&
    (typeof date !== 'string' || !DAY_ONLY.test(date) || Number.isNaN(Date.parse(date)))
  ) {
    throw fail(`${at}.requested_execution_date must be a date (YYYY-MM-DD)`);
  }
  const remittance = tx.remittance_information_unstructured;
  const endToEndId = tx.end_to_end_id;
  return {
    debtorIban: iban(debtorAccount.iban, `${at}.debtor_account.iban`, fail),
    creditorName: text(creditor.name, `${txAt}.creditor.name`, fail, 70),
    creditorIban: iban(creditorAccount.iban, `${txAt}.creditor_account.iban`, fail),
    amount: amountOf(amount.amount, `${txAt}.instructed_amount.amount`, fail),
    currency,
    ...(remittance !== undefined
      ? { remittance: text(remittance, `${txAt}.remittance_information_unstructured`, fail) }
      : {}),
    ...(typeof date === 'string' ? { executionDate: date } : {}),
    ...(endToEndId !== undefined ? { endToEndId: text(endToEndId, `${txAt}.end_to_end_id`, fail, 35) } : {}),
  };
}

/** A requested execution date in the bank's past cannot be honoured. */
export function checkExecutionDate(instruction: PaymentInstruction, now: number): void {
  if (!instruction.executionDate) return;
  if (Date.parse(`${instruction.executionDate}T00:00:00Z`) + DAY <= now) {
    throw badRequest('invalid_input', 'step payment_intent: requested_execution_date is in the past');
  }
}
