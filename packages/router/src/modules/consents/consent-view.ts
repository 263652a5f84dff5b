import type { ConsentStatusValue, ErrorClassValue, SyncOutcomeValue } from '../../contract-unions';
import type { SkillView } from '../catalog/skill-view';
import type { listConsents } from './consents.repository';

/** What `consents.list` answers per consent: the procedure's contract with front-ends. */
export type ConsentView = {
  id: string;
  status: ConsentStatusValue;
  skill: Omit<SkillView, 'servicer'>;
  servicer: SkillView['servicer'];
  consentExp: Date | null;
  expiresSoon: boolean;
  lastSyncedAt: Date | null;
  lastSyncOutcome: SyncOutcomeValue | null;
  /** The consent's most recent sync run, null before its first. */
  lastSync: {
    outcome: SyncOutcomeValue;
    errorClass: ErrorClassValue | null;
    startedAt: Date;
    finishedAt: Date | null;
  } | null;
  revokedAt: Date | null;
  createdAt: Date;
};

export function toConsentView(row: Awaited<ReturnType<typeof listConsents>>[number]): ConsentView {
  return {
    id: row.id,
    status: row.status,
    skill: { id: row.skill_id, code: row.skill_code, name: row.skill_name, kind: row.skill_kind },
    servicer: { code: row.servicer_code, name: row.servicer_name, country: row.servicer_country },
    consentExp: row.consent_exp,
    expiresSoon: row.expires_soon,
    lastSyncedAt: row.last_synced_at,
    lastSyncOutcome: row.last_sync_outcome,
    // A run always has both; the left join types each as nullable.
    lastSync:
      row.run_outcome && row.run_started_at
        ? {
            outcome: row.run_outcome,
            errorClass: row.run_error_class,
            startedAt: row.run_started_at,
            finishedAt: row.run_finished_at,
          }
        : null,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
  };
}
