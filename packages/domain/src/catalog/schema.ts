import { z } from 'zod';
import { SKILL_KINDS, STEP_KINDS } from '../entities/enums';

/**
 * The catalog file shape: exactly packages/finqware-sandbox/catalog.json, which is also the body of
 * the sandbox's `POST /v1/catalogs/get` (an endpoint of OUR invention: the spec lost the Catalogs API).
 */
export const skillFieldSchema = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  label: z.string(),
  required: z.boolean(),
  options: z.array(z.string()).optional(),
});
export type SkillField = z.infer<typeof skillFieldSchema>;

export const skillFlowStepSchema = z.object({
  step: z.string().min(1),
  kind: z.enum(STEP_KINDS),
  title: z.string(),
  fields: z.array(skillFieldSchema),
});
export type SkillFlowStep = z.infer<typeof skillFlowStepSchema>;

export const catalogServicerSchema = z.object({
  code: z.string().min(1),
  name: z.string().min(1),
  country: z.string().min(1),
});
export type CatalogServicer = z.infer<typeof catalogServicerSchema>;

export const catalogSkillSchema = z.object({
  code: z.string().min(1),
  servicer: z.string().min(1),
  name: z.string().min(1),
  kind: z.enum(SKILL_KINDS),
  enabled: z.boolean(),
  flow: z.array(skillFlowStepSchema).min(1),
});
export type CatalogSkill = z.infer<typeof catalogSkillSchema>;

export const catalogSchema = z
  .object({
    servicers: z.array(catalogServicerSchema),
    skills: z.array(catalogSkillSchema),
  })
  .superRefine((catalog, ctx) => {
    const servicerCodes = new Set<string>();
    catalog.servicers.forEach((s, i) => {
      if (servicerCodes.has(s.code)) {
        ctx.addIssue({
          code: 'custom',
          path: ['servicers', i, 'code'],
          message: `duplicate servicer code ${s.code}`,
        });
      }
      servicerCodes.add(s.code);
    });
    const skillCodes = new Set<string>();
    catalog.skills.forEach((s, i) => {
      if (skillCodes.has(s.code)) {
        ctx.addIssue({
          code: 'custom',
          path: ['skills', i, 'code'],
          message: `duplicate skill code ${s.code}`,
        });
      }
      skillCodes.add(s.code);
      if (!servicerCodes.has(s.servicer)) {
        ctx.addIssue({
          code: 'custom',
          path: ['skills', i, 'servicer'],
          message: `unknown servicer ${s.servicer} (not in servicers)`,
        });
      }
    });
  });
export type Catalog = z.infer<typeof catalogSchema>;
