import { PAYMENT_STATUSES } from '@tenant/domain';
import { z } from 'zod';
import { id, text } from '../../schemas';
import { amount, currency, iban, paymentAmount } from './money';

/** A requested execution date: a calendar day (YYYY-MM-DD), from today (UTC) to a year ahead. */
const executionDate = z.iso.date({ message: 'must be a date (YYYY-MM-DD)' }).refine(
  (day) => {
    const ms = Date.parse(`${day}T00:00:00Z`);
    const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    return ms >= today && ms <= today + 366 * 86_400_000;
  },
  { message: 'must be today or a later day within a year' },
);

/**
 * The caller's key for one payment: the same key sent again (a retry after a timeout, a double
 * click, a restarted app) returns the same payment. A UUID is a good key.
 */
const idempotencyKey = z.string().regex(/^[\x21-\x7e]{8,128}$/, {
  message: 'must be 8-128 printable ASCII characters (a UUID is a good key)',
});

export const paymentsInitiateInput = z
  .object({
    skillId: id,
    /** Pay from one of the user's synced accounts… */
    debtorAccountId: id.optional(),
    /** …or from an account given by its IBAN. */
    debtorIban: iban.optional(),
    creditor: z.object({
      name: text()
        .trim()
        .min(1, { message: 'must not be empty' })
        .max(70, { message: 'must be at most 70 characters' }),
      iban,
    }),
    amount,
    currency,
    remittance: text().trim().min(1).max(140, { message: 'must be at most 140 characters' }).optional(),
    executionDate: executionDate.optional(),
    idempotencyKey,
  })
  .superRefine((input, ctx) => {
    if ((input.debtorAccountId === undefined) === (input.debtorIban === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['debtorAccountId'],
        message: 'give exactly one of debtorAccountId and debtorIban',
      });
    }
    const checked = paymentAmount(input.amount, input.currency);
    if ('problem' in checked) ctx.addIssue({ code: 'custom', path: ['amount'], message: checked.problem });
  });
export type PaymentsInitiateInput = z.infer<typeof paymentsInitiateInput>;

export const paymentsGetInput = z.object({ paymentId: id });

export const paymentsListInput = z
  .object({
    status: z.enum(PAYMENT_STATUSES).optional(),
    cursor: text().max(200).optional(),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .default({ limit: 20 });
