import { z } from 'zod';
import { defined, withRaw } from './common';

export interface PaymentInfo {
  paymentId?: string;
  /** Open vocabulary: the payment lifecycle table was not recovered (§3.8); pain.002-like codes. */
  status: string;
  /** Why, when the bank gave a reason (an ISO 20022 reason code such as AM04 on a rejection). */
  statusReason?: string;
  raw: unknown;
}

const paymentFields = z.object({
  payment_id: z.string().optional(),
  id: z.string().optional(),
  status: z.string(),
  status_reason: z.string().optional(),
});

/**
 * [INFERRED] shape: the Get-payment response was not recovered. We accept the payment object either bare or
 * wrapped like the consent answers (`{ result: {...} }`), and require only a string `status`.
 */
const wirePayment = z.union([z.object({ result: paymentFields }).transform((w) => w.result), paymentFields]);

export const paymentGetResponse = withRaw(
  wirePayment,
  (w, raw): PaymentInfo =>
    defined({ paymentId: w.payment_id ?? w.id, status: w.status, statusReason: w.status_reason, raw }),
);
