import { z } from 'zod';

/** INVENTED endpoint (finqware-contract.md): the answer has the shape of the sandbox's catalog.json. */
const field = z.object({
  name: z.string(),
  type: z.string(),
  label: z.string(),
  required: z.boolean(),
  options: z.array(z.string()).optional(),
});

const step = z.object({ step: z.string(), kind: z.string(), title: z.string(), fields: z.array(field) });

export const catalogResponse = z.object({
  servicers: z.array(z.object({ code: z.string(), name: z.string(), country: z.string() })),
  skills: z.array(
    z.object({
      code: z.string(),
      servicer: z.string(),
      name: z.string(),
      kind: z.string(),
      enabled: z.boolean(),
      flow: z.array(step),
    }),
  ),
});

export interface CatalogField {
  name: string;
  type: string;
  label: string;
  required: boolean;
  options?: string[];
}
export interface CatalogStep {
  step: string;
  kind: 'sca' | 'sca_implicit' | 'payment_intent' | 'product_form' | 'form' | (string & {});
  title: string;
  fields: CatalogField[];
}
export interface CatalogSkill {
  code: string;
  servicer: string;
  name: string;
  kind: 'aisp' | 'pisp' | 'marketplace' | (string & {});
  enabled: boolean;
  flow: CatalogStep[];
}
export interface Catalog {
  servicers: { code: string; name: string; country: string }[];
  skills: CatalogSkill[];
}
