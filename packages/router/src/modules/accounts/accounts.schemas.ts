import { z } from 'zod';
import { id } from '../../schemas';

export const accountsListInput = z.object({ consentId: id.optional() }).optional();
