import { z } from 'zod';
import { defined, withRaw } from './common';

export interface PaymentInfo {
  paymentId?: string;
  /** Open vocabulary: the payment lifecycle table was not recovered (§3.8). */
  status: string;
  raw: unknown;
}

const paymentFields = z.object({
  payment_id: z.string().optional(),
  id: z.string().optional(),
  status: z.string(),
});

/**
 * [INFERRED] shape: the Get-payment response was not recovered. We accept the payment object either bare or
 * wrapped like the consent answers (`{ result: {...} }`), and require only a string `status`.
 */
const wirePayment = z.union([z.object({ result: paymentFields }).transform((w) => w.result), paymentFields]);

export const paymentGetResponse = withRaw(
  wirePayment,
  (w, raw): PaymentInfo => defined({ paymentId: w.payment_id ?? w.id, status: w.status, raw }),
);
