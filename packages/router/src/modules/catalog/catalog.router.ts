import type { TRPCRouterRecord } from '@trpc/server';
import { authedProcedure } from '../../trpc';
import { listEnabledSkills } from './catalog.repository';
import { type SkillView, toSkillView } from './skill-view';

export const catalogRouter = {
  /** The skills a user may connect, with their bank. Disabled skills are not listed. */
  skills: authedProcedure.query(async ({ ctx }): Promise<SkillView[]> => {
    return (await listEnabledSkills(ctx.em)).map(toSkillView);
  }),
} satisfies TRPCRouterRecord;
