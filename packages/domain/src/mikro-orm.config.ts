// Configuration for the MikroORM CLI (`pnpm migration:create`): the same options as the runtime,
// pointed at DATABASE_URL. New migrations are diffed against that database, so point it at a
// database migrated to the latest committed migration.
import type { Options } from '@mikro-orm/postgresql';
import { ormConfig } from './db/orm';

const clientUrl = process.env.DATABASE_URL;
if (!clientUrl) throw new Error('DATABASE_URL: expected the database to diff migrations against');

const config = ormConfig({ clientUrl });
const cliConfig: Options = { ...config, migrations: { ...config.migrations, migrationsList: undefined } };
export default cliConfig;
