import { Migration } from '@mikro-orm/migrations';

/**
 * rate_limit_hits replaces login_failures (#12): one table for every limit of the sign-in edge, whose
 * slots are reserved before a password is hashed. Failures recorded in login_failures at deploy time
 * are not carried over: they are at most one login window old.
 */
export class Migration20261130231000 extends Migration {
  override name = 'Migration20261130231000';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "rate_limit_hits" ("id" uuid not null default gen_random_uuid(), "key" text not null, "kind" text not null, "at" timestamptz not null, "expires_at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(
      `create index "rate_limit_hits_key_expires_at_index" on "rate_limit_hits" ("key", "expires_at");`,
    );

    this.addSql(`drop table if exists "login_failures" cascade;`);

    this.addSql(
      `alter table "rate_limit_hits" add constraint "rate_limit_hits_kind_check" check ("kind" in ('attempt', 'pending', 'failure'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(
      `create table "login_failures" ("id" uuid not null default gen_random_uuid(), "email" text not null, "address" text not null, "created_at" timestamptz(6) not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create index "login_failures_address_created_at_index" on "login_failures" ("address", "created_at");`,
    );
    this.addSql(
      `create index "login_failures_email_created_at_index" on "login_failures" ("email", "created_at");`,
    );

    this.addSql(`drop table if exists "rate_limit_hits" cascade;`);
  }
}
