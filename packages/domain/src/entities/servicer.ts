import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty, updatedAtProperty } from './common';

/** A bank. Loaded from the catalog (see src/catalog). */
export const Servicer = defineEntity({
  name: 'Servicer',
  tableName: 'servicers',
  properties: {
    id: idProperty(),
    /** Finqware servicer code, e.g. `rzb_ro`. */
    code: p.text().unique('servicers_code_unique'),
    name: p.text(),
    /** Country name as Finqware spells it (e.g. `Romania`), not an ISO code. */
    country: p.text(),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
});
export type Servicer = InferEntity<typeof Servicer>;
