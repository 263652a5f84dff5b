import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import type { SkillField } from '../catalog/schema';
import { createdAtProperty, idProperty, updatedAtProperty } from './common';
import { STEP_KINDS, STEP_STATUSES } from './enums';
import { Session } from './session';

/** What the front-end needs to render a step. */
export interface StepDefinition {
  title: string;
  fields: SkillField[];
  /** Where the step sits in its skill's `flow`. */
  flowIndex: number;
}

/** One step of a session; exactly one is CURRENT while the session is in progress. */
export const Step = defineEntity({
  name: 'Step',
  tableName: 'steps',
  properties: {
    id: idProperty(),
    session: p.manyToOne(Session).ref().deleteRule('cascade'),
    /** 0-based order within the session. */
    position: p.integer(),
    /** Finqware step name (the `step` of the submit body). */
    name: p.text(),
    kind: p.enum([...STEP_KINDS]),
    status: p.enum([...STEP_STATUSES]).default('CURRENT'),
    definition: p.json<StepDefinition>(),
    finqwareStepId: p.text().nullable(),
    redirectUrl: p.text().nullable(),
    submittedAt: p.datetime().nullable(),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  uniques: [{ name: 'steps_session_id_position_unique', properties: ['session', 'position'] }],
});
export type Step = InferEntity<typeof Step>;
