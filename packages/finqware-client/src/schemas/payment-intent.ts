import { PAYMENT_INPUT_DATA } from '../spec-choices';

/** One single credit transfer, camelCase on our side (see `paymentInputData`). */
export interface PaymentIntent {
  /** Where the bank sends the PSU back after authorising (`?temp_token=…` or an error). */
  psuRedirectLink: string;
  /** Required by some skills (e.g. the web-banking username). */
  psuId?: string;
  /** Our id of the payment; Finqware's `payment_info_id`. At most 35 characters (ISO 20022 Max35Text). */
  paymentInfoId: string;
  /** Our end-to-end id, carried to the creditor's bank. At most 35 characters. */
  endToEndId: string;
  debtor: { iban: string; currency?: string };
  creditor: { name: string; iban: string };
  /** Exact positive decimal string, e.g. "150.25"; never a number. */
  amount: string;
  currency: string;
  remittance?: string;
  /** YYYY-MM-DD; absent means as soon as possible. */
  requestedExecutionDate?: string;
}

const MAX35 = 35;
const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * The payment input data object of spec §3.8 for a `payment_intent` step (`sessions.submitStep`
 * `data`). The spec's table stops at `payment_info`; the names below it are pain.001.001.03's in
 * snake_case, our [INFERRED] reading (PAYMENT_INPUT_DATA in spec-choices.ts). `group_header` is left
 * out: the spec says it is not used for single payments.
 * @throws TypeError naming the field when an id is too long or the amount is not a positive decimal.
 */
export function paymentInputData(intent: PaymentIntent): Record<string, unknown> {
  for (const [name, value] of [
    ['paymentInfoId', intent.paymentInfoId],
    ['endToEndId', intent.endToEndId],
  ] as const) {
    if (value.length === 0 || value.length > MAX35)
      throw new TypeError(`${name} must be 1-${MAX35} characters`);
  }
  if (!DECIMAL.test(intent.amount) || !/[1-9]/.test(intent.amount)) {
    throw new TypeError('amount must be a positive decimal string');
  }
  const names = PAYMENT_INPUT_DATA;
  const transfer: Record<string, unknown> = {
    [names.endToEndId]: intent.endToEndId,
    [names.instructedAmount]: { amount: intent.amount, currency: intent.currency },
    [names.creditor]: { name: intent.creditor.name },
    [names.creditorAccount]: { iban: intent.creditor.iban },
    ...(intent.remittance ? { [names.remittance]: intent.remittance } : {}),
  };
  return {
    psu_redirect_link: intent.psuRedirectLink,
    ...(intent.psuId ? { psu_id: intent.psuId } : {}),
    payment_info: [
      {
        [names.paymentInfoId]: intent.paymentInfoId,
        ...(intent.requestedExecutionDate
          ? { [names.requestedExecutionDate]: intent.requestedExecutionDate }
          : {}),
        [names.debtorAccount]: {
          iban: intent.debtor.iban,
          ...(intent.debtor.currency ? { currency: intent.debtor.currency } : {}),
        },
        [names.creditTransfers]: [transfer],
      },
    ],
  };
}
