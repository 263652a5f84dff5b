/**
 * The value sets the procedures' answers carry, spelled out for the published client: its bundled
 * declarations may not import @tenant/domain (nor the ORM behind it). Each view is built from
 * database rows typed by the domain's own unions, so a value added there and not here fails `tsc`
 * where the row is mapped.
 */
export type ConsentStatusValue = 'ACTIVE' | 'EXPIRED' | 'DELETED' | 'REAUTH_REQUIRED';
export type SkillKindValue = 'aisp' | 'pisp' | 'marketplace';
export type SyncOutcomeValue = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'RETRYING' | 'REAUTH_REQUIRED';
export type SyncReasonValue = 'initial' | 'scheduled' | 'manual' | 'retry';
export type ErrorClassValue = 'consent' | 'rate_limit' | 'transient' | 'protocol' | 'client' | 'internal';
