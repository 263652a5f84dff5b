import { z } from 'zod';
import { decimal, id, instant, text } from '../../schemas';

export const transactionsListInput = z
  .object({
    accountId: id.optional(),
    from: instant.optional(),
    to: instant.optional(),
    status: z.enum(['booked', 'pending']).optional(),
    search: text().trim().min(1).max(100).optional(),
    minAmount: decimal.optional(),
    maxAmount: decimal.optional(),
    cursor: text().max(200).optional(),
    limit: z.number().int().min(1).max(500).default(50),
  })
  .refine((range) => !range.from || !range.to || range.from < range.to, {
    message: 'must be after from',
    path: ['to'],
  });
export type TransactionsListInput = z.infer<typeof transactionsListInput>;
