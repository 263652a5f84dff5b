import type { TRPCRouterRecord } from '@trpc/server';
import { authedProcedure } from '../../trpc';
import { listEnabledSkills } from './catalog.repository';

export const catalogRouter = {
  /** The skills a user may connect, with their bank. Disabled skills are not listed. */
  skills: authedProcedure.query(async ({ ctx }) => {
    const rows = await listEnabledSkills(ctx.em);
    return rows.map((row) => ({
      id: row.id,
      code: row.code,
      name: row.name,
      kind: row.kind,
      servicer: { code: row.servicer_code, name: row.servicer_name, country: row.servicer_country },
    }));
  }),
} satisfies TRPCRouterRecord;
