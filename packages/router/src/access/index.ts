/**
 * The user-scoped ownership checks. Each takes the authenticated user's id and filters by it in
 * SQL, so a row of another user is simply not found: callers get NOT_FOUND, exactly as for an id
 * that does not exist. Routers never read user data without going through one of these or a
 * repository query scoped the same way (modules/<feature>/<feature>.repository.ts).
 */
export { findOwnedAccount } from '../modules/accounts/accounts.repository';
export { findEnabledSkill } from '../modules/catalog/catalog.repository';
export { findOwnedConsent } from '../modules/consents/consents.repository';
export * from './sessions';
