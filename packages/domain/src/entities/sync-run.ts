import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty, updatedAtProperty } from './common';
import { ERROR_CLASSES, SYNC_OUTCOMES, SYNC_REASONS } from './enums';
import { UserSkill } from './user-skill';

/** One attempt at syncing one consent: the audit trail behind last_sync_outcome. */
export const SyncRun = defineEntity({
  name: 'SyncRun',
  tableName: 'sync_runs',
  properties: {
    id: idProperty(),
    userSkill: p.manyToOne(UserSkill).ref().deleteRule('cascade'),
    /** pg-boss job id, when the run came from the queue. */
    jobId: p.text().nullable(),
    reason: p.enum([...SYNC_REASONS]),
    startedAt: p
      .datetime()
      .defaultRaw('now()')
      .onCreate(() => new Date()),
    finishedAt: p.datetime().nullable(),
    outcome: p.enum([...SYNC_OUTCOMES]).default('RUNNING'),
    errorClass: p.enum([...ERROR_CLASSES]).nullable(),
    /** Human-readable cause; never contains a secret. */
    errorMessage: p.text().nullable(),
    accountsSynced: p.integer().default(0),
    inserted: p.integer().default(0),
    updated: p.integer().default(0),
    removed: p.integer().default(0),
    createdAt: createdAtProperty(),
    updatedAt: updatedAtProperty(),
  },
  indexes: [
    {
      name: 'sync_runs_user_skill_id_started_at_index',
      expression:
        'create index "sync_runs_user_skill_id_started_at_index" on "sync_runs" ("user_skill_id", "started_at" desc)',
    },
  ],
});
export type SyncRun = InferEntity<typeof SyncRun>;
