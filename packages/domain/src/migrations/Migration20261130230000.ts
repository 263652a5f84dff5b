import { Migration } from '@mikro-orm/migrations';

export class Migration20261130230000 extends Migration {
  override name = 'Migration20261130230000';

  override up(): void | Promise<void> {
    this.addSql(`alter table "user_skills" add column "manual_sync_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "user_skills" drop column "manual_sync_at";`);
  }
}
