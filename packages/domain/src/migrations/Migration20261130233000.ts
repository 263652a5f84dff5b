import { Migration } from '@mikro-orm/migrations';

/**
 * Connect sessions without row locks across Finqware calls (#12 items 3 and 4): the bank's return
 * token kept sealed for the owner's call, a lease instead of a lock, wrong-credential counting, why a
 * session failed, and an index for the per-user limits of connect.start. A session row exists
 * before Finqware creates its session, so `finqware_session_id` may be null meanwhile.
 */
export class Migration20261130233000 extends Migration {
  override name = 'Migration20261130233000';

  override up(): void | Promise<void> {
    this.addSql(`alter table "sessions" alter column "finqware_session_id" drop not null;`);
    this.addSql(
      `alter table "sessions" add column "return_token_enc" text null, add column "returned_at" timestamptz null, add column "lease_until" timestamptz null, add column "lease_attempt" int not null default 0, add column "credential_failures" int not null default 0, add column "failure_reason" text null;`,
    );
    this.addSql(`create index "sessions_user_id_created_at_index" on "sessions" ("user_id", "created_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "sessions_user_id_created_at_index";`);
    this.addSql(
      `alter table "sessions" drop column "return_token_enc", drop column "returned_at", drop column "lease_until", drop column "lease_attempt", drop column "credential_failures", drop column "failure_reason";`,
    );
    this.addSql(`delete from "sessions" where "finqware_session_id" is null;`);
    this.addSql(`alter table "sessions" alter column "finqware_session_id" set not null;`);
  }
}
