import { Migration } from '@mikro-orm/migrations';

export class Migration20261125152051 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "login_failures" ("id" uuid not null default gen_random_uuid(), "email" text not null, "address" text not null, "created_at" timestamptz not null default now(), constraint "login_failures_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "login_failures_email_created_at_index" on "login_failures" ("email", "created_at");`,
    );
    this.addSql(
      `create index "login_failures_address_created_at_index" on "login_failures" ("address", "created_at");`,
    );

    this.addSql(
      `create table "servicers" ("id" uuid not null default gen_random_uuid(), "code" text not null, "name" text not null, "country" text not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "servicers_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "servicers" add constraint "servicers_code_unique" unique ("code");`);

    this.addSql(
      `create table "skills" ("id" uuid not null default gen_random_uuid(), "servicer_id" uuid not null, "code" text not null, "name" text not null, "kind" text check ("kind" in ('aisp', 'pisp', 'marketplace')) not null, "enabled" boolean not null default true, "flow" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "skills_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "skills" add constraint "skills_code_unique" unique ("code");`);
    this.addSql(`create index "skills_servicer_id_index" on "skills" ("servicer_id");`);

    this.addSql(
      `create table "users" ("id" uuid not null default gen_random_uuid(), "email" text not null, "password_hash" text not null, "tenant_user_id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "users_pkey" primary key ("id"), constraint users_email_lowercase_check check (email = lower(email)));`,
    );
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(
      `alter table "users" add constraint "users_tenant_user_id_unique" unique ("tenant_user_id");`,
    );

    this.addSql(
      `create table "auth_tokens" ("id" uuid not null default gen_random_uuid(), "user_id" uuid not null, "token_hash" text not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, "last_used_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "auth_tokens_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "auth_tokens" add constraint "auth_tokens_token_hash_unique" unique ("token_hash");`,
    );
    this.addSql(`create index "auth_tokens_user_id_index" on "auth_tokens" ("user_id");`);

    this.addSql(
      `create table "user_skills" ("id" uuid not null default gen_random_uuid(), "user_id" uuid not null, "skill_id" uuid not null, "credentials_id_hash" text not null, "credentials_id_enc" text not null, "access_token_enc" text not null, "vault_key_id" text not null, "status" text check ("status" in ('ACTIVE', 'EXPIRED', 'DELETED', 'REAUTH_REQUIRED')) not null default 'ACTIVE', "consent_exp" timestamptz null, "max_data_retention" timestamptz null, "expires_soon" boolean not null default false, "sync_cursor" jsonb not null default '{}', "next_sync_at" timestamptz null, "last_synced_at" timestamptz null, "last_sync_outcome" text check ("last_sync_outcome" in ('RUNNING', 'SUCCEEDED', 'FAILED', 'RETRYING', 'REAUTH_REQUIRED')) null, "revoked_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "user_skills_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "user_skills" add constraint "user_skills_credentials_id_hash_unique" unique ("credentials_id_hash");`,
    );
    this.addSql(`create index "user_skills_skill_id_index" on "user_skills" ("skill_id");`);
    this.addSql(
      `create index "user_skills_status_next_sync_at_index" on "user_skills" ("status", "next_sync_at");`,
    );
    this.addSql(`create index "user_skills_user_id_index" on "user_skills" ("user_id");`);

    this.addSql(
      `create table "sync_runs" ("id" uuid not null default gen_random_uuid(), "user_skill_id" uuid not null, "job_id" text null, "reason" text check ("reason" in ('initial', 'scheduled', 'manual', 'retry')) not null, "started_at" timestamptz not null default now(), "finished_at" timestamptz null, "outcome" text check ("outcome" in ('RUNNING', 'SUCCEEDED', 'FAILED', 'RETRYING', 'REAUTH_REQUIRED')) not null default 'RUNNING', "error_class" text check ("error_class" in ('consent', 'rate_limit', 'transient', 'protocol', 'client', 'internal')) null, "error_message" text null, "accounts_synced" int not null default 0, "inserted" int not null default 0, "updated" int not null default 0, "removed" int not null default 0, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "sync_runs_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "sync_runs_user_skill_id_started_at_index" on "sync_runs" ("user_skill_id", "started_at" desc);`,
    );

    this.addSql(
      `create table "sessions" ("id" uuid not null default gen_random_uuid(), "user_id" uuid not null, "skill_id" uuid not null, "finqware_session_id" text not null, "status" text check ("status" in ('IN_PROGRESS', 'COMPLETED', 'FAILED', 'EXPIRED')) not null default 'IN_PROGRESS', "nonce_enc" text null, "user_skill_id" uuid null, "expires_at" timestamptz not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "sessions_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "sessions" add constraint "sessions_finqware_session_id_unique" unique ("finqware_session_id");`,
    );
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);
    this.addSql(`create index "sessions_user_skill_id_index" on "sessions" ("user_skill_id");`);

    this.addSql(
      `create table "steps" ("id" uuid not null default gen_random_uuid(), "session_id" uuid not null, "position" int not null, "name" text not null, "kind" text check ("kind" in ('form', 'sca', 'sca_implicit', 'payment_intent', 'product_form')) not null, "status" text check ("status" in ('CURRENT', 'SUBMITTED', 'FAILED')) not null default 'CURRENT', "definition" jsonb not null, "finqware_step_id" text null, "redirect_url" text null, "submitted_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "steps_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "steps" add constraint "steps_session_id_position_unique" unique ("session_id", "position");`,
    );

    this.addSql(
      `create table "accounts" ("id" uuid not null default gen_random_uuid(), "user_skill_id" uuid not null, "user_id" uuid not null, "finqware_account_id" text not null, "servicer_name" text not null, "iban" text null, "bic" text null, "currency" text not null, "name" text null, "nickname" text null, "account_type" text null, "account_sub_type" text null, "finqware_timestamp" timestamptz null, "raw" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "accounts_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "accounts_user_id_index" on "accounts" ("user_id");`);
    this.addSql(
      `alter table "accounts" add constraint "accounts_user_skill_id_finqware_account_id_unique" unique ("user_skill_id", "finqware_account_id");`,
    );

    this.addSql(
      `create table "transactions" ("id" uuid not null default gen_random_uuid(), "account_id" uuid not null, "user_id" uuid not null, "utx_id" text not null, "finqware_id" text not null, "status" text check ("status" in ('booked', 'pending')) not null, "amount" numeric(20,4) not null, "credit_debit_indicator" text check ("credit_debit_indicator" in ('credit', 'debit')) not null, "currency" text not null, "booking_date" timestamptz not null, "balance_after" numeric(20,4) null, "description" text null, "counterparty" text null, "category" text null, "finqware_timestamp" timestamptz null, "raw" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "transactions_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "transactions_account_id_booking_date_id_index" on "transactions" ("account_id", "booking_date" desc, "id" desc);`,
    );
    this.addSql(
      `create index "transactions_user_id_booking_date_id_index" on "transactions" ("user_id", "booking_date" desc, "id" desc);`,
    );
    this.addSql(
      `alter table "transactions" add constraint "transactions_account_id_utx_id_unique" unique ("account_id", "utx_id");`,
    );

    this.addSql(
      `create table "balances" ("id" uuid not null default gen_random_uuid(), "account_id" uuid not null, "finqware_balance_id" text not null, "type" text not null, "amount" numeric(20,4) not null, "credit_debit_indicator" text check ("credit_debit_indicator" in ('credit', 'debit')) not null, "currency" text not null, "reference_date" timestamptz null, "finqware_timestamp" timestamptz null, "raw" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "balances_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "balances_account_id_type_finqware_timestamp_index" on "balances" ("account_id", "type", "finqware_timestamp" desc);`,
    );
    this.addSql(
      `alter table "balances" add constraint "balances_account_id_finqware_balance_id_unique" unique ("account_id", "finqware_balance_id");`,
    );

    this.addSql(
      `alter table "skills" add constraint "skills_servicer_id_foreign" foreign key ("servicer_id") references "servicers" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "auth_tokens" add constraint "auth_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "user_skills" add constraint "user_skills_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "user_skills" add constraint "user_skills_skill_id_foreign" foreign key ("skill_id") references "skills" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "sync_runs" add constraint "sync_runs_user_skill_id_foreign" foreign key ("user_skill_id") references "user_skills" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "sessions" add constraint "sessions_skill_id_foreign" foreign key ("skill_id") references "skills" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "sessions" add constraint "sessions_user_skill_id_foreign" foreign key ("user_skill_id") references "user_skills" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "steps" add constraint "steps_session_id_foreign" foreign key ("session_id") references "sessions" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "accounts" add constraint "accounts_user_skill_id_foreign" foreign key ("user_skill_id") references "user_skills" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "accounts" add constraint "accounts_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "transactions" add constraint "transactions_account_id_foreign" foreign key ("account_id") references "accounts" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "transactions" add constraint "transactions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "balances" add constraint "balances_account_id_foreign" foreign key ("account_id") references "accounts" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "skills" drop constraint "skills_servicer_id_foreign";`);

    this.addSql(`alter table "user_skills" drop constraint "user_skills_skill_id_foreign";`);

    this.addSql(`alter table "sessions" drop constraint "sessions_skill_id_foreign";`);

    this.addSql(`alter table "auth_tokens" drop constraint "auth_tokens_user_id_foreign";`);

    this.addSql(`alter table "user_skills" drop constraint "user_skills_user_id_foreign";`);

    this.addSql(`alter table "sessions" drop constraint "sessions_user_id_foreign";`);

    this.addSql(`alter table "accounts" drop constraint "accounts_user_id_foreign";`);

    this.addSql(`alter table "transactions" drop constraint "transactions_user_id_foreign";`);

    this.addSql(`alter table "sync_runs" drop constraint "sync_runs_user_skill_id_foreign";`);

    this.addSql(`alter table "sessions" drop constraint "sessions_user_skill_id_foreign";`);

    this.addSql(`alter table "accounts" drop constraint "accounts_user_skill_id_foreign";`);

    this.addSql(`alter table "steps" drop constraint "steps_session_id_foreign";`);

    this.addSql(`alter table "transactions" drop constraint "transactions_account_id_foreign";`);

    this.addSql(`alter table "balances" drop constraint "balances_account_id_foreign";`);

    this.addSql(`drop table if exists "login_failures" cascade;`);

    this.addSql(`drop table if exists "servicers" cascade;`);

    this.addSql(`drop table if exists "skills" cascade;`);

    this.addSql(`drop table if exists "users" cascade;`);

    this.addSql(`drop table if exists "auth_tokens" cascade;`);

    this.addSql(`drop table if exists "user_skills" cascade;`);

    this.addSql(`drop table if exists "sync_runs" cascade;`);

    this.addSql(`drop table if exists "sessions" cascade;`);

    this.addSql(`drop table if exists "steps" cascade;`);

    this.addSql(`drop table if exists "accounts" cascade;`);

    this.addSql(`drop table if exists "transactions" cascade;`);

    this.addSql(`drop table if exists "balances" cascade;`);
  }
}
