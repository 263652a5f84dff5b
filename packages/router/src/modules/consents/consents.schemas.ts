import { z } from 'zod';
import { id } from '../../schemas';

export const consentIdInput = z.object({ consentId: id });
