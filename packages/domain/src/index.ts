export * from './catalog/schema';
export * from './catalog/seed';
export * from './config';
export { createDatabaseIfMissing, dropDatabase, withDatabase } from './db/admin';
export { type Database, db, jsonb } from './db/database';
export {
  createOrm,
  MIGRATIONS_TABLE,
  migrate,
  type OrmOptions,
  ormConfig,
  ormPool,
  pendingMigrations,
} from './db/orm';
export { type Placeholders, preparedQuery } from './db/prepared';
export { executeRaw, type RawResult } from './db/raw-sql';
export { rebuildRollups, rollupDay, rollupDirection, rollupMonth } from './db/rollups';
export * from './entities';
export * from './jobs';
export { migrationsList } from './migrations';
export { freePort } from './net';
export * from './paths';
export * from './payments/lifecycle';
export * from './payments/payment-status';
export * from './services/consent-secrets';
export * from './services/payment-secrets';
export * from './sync-events';
export * from './vault';
