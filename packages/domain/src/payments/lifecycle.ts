import type { PaymentStatus } from '../entities/enums';

/**
 * The payment lifecycle: our six statuses, and how the bank's codes map onto them. Finqware's
 * "Payment lifecycle" table was not recovered (spec §3.8); its payments follow ISO 20022, so we
 * read pain.002's ExternalPaymentTransactionStatus1Code. This table is the one place the mapping
 * lives (the README shows it); a code it does not know changes nothing and is logged.
 */
export const BANK_STATUS_CODES = {
  RCVD: { status: 'AUTHORISED', meaning: 'Received: the bank has the authorised payment' },
  PDNG: { status: 'AUTHORISED', meaning: 'Pending: further checks before acceptance' },
  ACTC: { status: 'AUTHORISED', meaning: 'AcceptedTechnicalValidation: authorised and technically valid' },
  ACCP: { status: 'ACCEPTED', meaning: 'AcceptedCustomerProfile: the debtor account may pay it' },
  ACFC: { status: 'ACCEPTED', meaning: 'AcceptedFundsChecked: funds are available' },
  ACWC: { status: 'ACCEPTED', meaning: 'AcceptedWithChange: accepted, e.g. with another execution date' },
  ACSP: { status: 'ACCEPTED', meaning: 'AcceptedSettlementInProcess: accepted for execution' },
  ACSC: { status: 'SETTLED', meaning: "AcceptedSettlementCompleted: the debtor's account is debited" },
  ACCC: {
    status: 'SETTLED',
    meaning: "AcceptedCreditSettlementCompleted: the creditor's account is credited",
  },
  RJCT: { status: 'REJECTED', meaning: 'Rejected (the reason code says why, e.g. AM04 insufficient funds)' },
  CANC: { status: 'REJECTED', meaning: 'Cancelled before execution' },
} as const satisfies Record<string, { status: PaymentStatus; meaning: string }>;

export type BankStatusCode = keyof typeof BANK_STATUS_CODES;

/** Our status for a bank code, or undefined for a code we do not know. */
export function statusOfBankCode(code: string): PaymentStatus | undefined {
  return Object.hasOwn(BANK_STATUS_CODES, code)
    ? BANK_STATUS_CODES[code as BankStatusCode].status
    : undefined;
}

/** No move leaves these. */
export const FINAL_PAYMENT_STATUSES = [
  'SETTLED',
  'REJECTED',
  'FAILED',
] as const satisfies readonly PaymentStatus[];

export function isFinalPaymentStatus(status: PaymentStatus): boolean {
  return (FINAL_PAYMENT_STATUSES as readonly string[]).includes(status);
}

const RANK: Record<PaymentStatus, number> = {
  PENDING: 0,
  AUTHORISED: 1,
  ACCEPTED: 2,
  SETTLED: 3,
  REJECTED: 3,
  FAILED: 3,
};

/**
 * The statuses a payment may move to `to` from: only forward. A poll that reads an older code than
 * one already seen (ACTC after ACSP) changes nothing, and a final status is never left.
 */
export function statusesBefore(to: PaymentStatus): PaymentStatus[] {
  return (Object.keys(RANK) as PaymentStatus[]).filter((from) => RANK[from] < RANK[to]);
}

/**
 * Our own reasons for REJECTED and FAILED (the bank's reason codes, e.g. AM04, are kept as sent):
 */
export const PAYMENT_REASONS = {
  /** The PSU refused at the bank, or the bank's redirect carried an error. */
  deniedAtBank: 'denied_at_bank',
  /** Nobody authorised it at the bank before the session's time ran out. */
  notAuthorised: 'not_authorised',
  /**
   * The PSU authorised it (the bank sent a temp token back) but Finqware's answer to the token
   * exchange was lost, so its status cannot be read: ask the bank.
   */
  statusUnknown: 'status_unknown',
  /** The bank refused the payment as initiated (Finqware `invalid_input` on the payment step). */
  refusedByBank: 'refused_by_bank',
  /** The payment consent stopped working before a final status was read (Finqware consent error). */
  consentInvalid: 'consent_invalid',
  /** No final status within the tracking time: ask the bank. */
  trackingTimeout: 'tracking_timeout',
} as const;
