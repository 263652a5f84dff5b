import { z } from 'zod';
import { id, instant } from '../../schemas';

export const balancesHistoryInput = z
  .object({ accountId: id, from: instant.optional(), to: instant.optional() })
  .refine((range) => !range.from || !range.to || range.from < range.to, {
    message: 'must be after from',
    path: ['to'],
  });
