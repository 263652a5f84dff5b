import { z } from 'zod';
import { instant } from '../../schemas';

export const cashflowInput = z
  .object({ from: instant, to: instant, interval: z.enum(['month', 'week']) })
  .refine((range) => range.from < range.to, { message: 'must be after from', path: ['to'] });

export const topCounterpartiesInput = z
  .object({ from: instant, to: instant, limit: z.number().int().min(1).max(100).default(10) })
  .refine((range) => range.from < range.to, { message: 'must be after from', path: ['to'] });
