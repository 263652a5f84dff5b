export * from './catalog/schema';
export * from './config';
export { createDatabaseIfMissing, dropDatabase, withDatabase } from './db/admin';
export { createOrm, MIGRATIONS_TABLE, migrate, type OrmOptions, ormConfig } from './db/orm';
export * from './entities';
export { migrationsList } from './migrations';
export * from './services/consent-secrets';
export * from './vault';
