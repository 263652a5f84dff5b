import { Migration } from '@mikro-orm/migrations';

export class Migration20261130194412 extends Migration {
  override name = 'Migration20261130194412';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "payments" ("id" uuid not null default gen_random_uuid(), "user_id" uuid not null, "skill_id" uuid not null, "session_id" uuid null, "idempotency_key" text not null, "request_hash" text not null, "debtor_account_id" uuid null, "debtor_iban" text not null, "creditor_name" text not null, "creditor_iban" text not null, "amount" numeric(20,4) not null, "currency" text not null, "remittance" text null, "execution_date" date null, "status" text not null default 'PENDING', "status_reason" text null, "bank_status" text null, "finqware_payment_id" text null, "credentials_id_enc" text null, "access_token_enc" text null, "vault_key_id" text null, "initiation_attempt" int not null default 0, "initiation_lease_until" timestamptz null, "authorised_at" timestamptz null, "finished_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create index "payments_user_id_created_at_id_index" on "payments" ("user_id", "created_at" desc, "id" desc);`,
    );
    this.addSql(`create index "payments_skill_id_index" on "payments" ("skill_id");`);
    this.addSql(`create index "payments_session_id_index" on "payments" ("session_id");`);
    this.addSql(`create index "payments_debtor_account_id_index" on "payments" ("debtor_account_id");`);
    this.addSql(
      `alter table "payments" add constraint "payments_user_id_idempotency_key_unique" unique ("user_id", "idempotency_key");`,
    );

    this.addSql(
      `create table "payment_events" ("id" uuid not null default gen_random_uuid(), "payment_id" uuid not null, "status" text not null, "bank_status" text null, "reason" text null, "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(
      `create index "payment_events_payment_id_created_at_index" on "payment_events" ("payment_id", "created_at");`,
    );

    this.addSql(
      `alter table "payments" add constraint "payments_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "payments" add constraint "payments_skill_id_foreign" foreign key ("skill_id") references "skills" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "payments" add constraint "payments_session_id_foreign" foreign key ("session_id") references "sessions" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "payments" add constraint "payments_debtor_account_id_foreign" foreign key ("debtor_account_id") references "accounts" ("id") on update cascade on delete set null;`,
    );
    this.addSql(`alter table "payments" add constraint "payments_amount_check" check (amount > 0);`);
    this.addSql(
      `alter table "payments" add constraint "payments_currency_check" check (currency ~ '^[A-Z]{3}$');`,
    );
    this.addSql(
      `alter table "payments" add constraint "payments_status_check" check ("status" in ('PENDING', 'AUTHORISED', 'ACCEPTED', 'SETTLED', 'REJECTED', 'FAILED'));`,
    );

    this.addSql(
      `alter table "payment_events" add constraint "payment_events_payment_id_foreign" foreign key ("payment_id") references "payments" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "payment_events" add constraint "payment_events_status_check" check ("status" in ('PENDING', 'AUTHORISED', 'ACCEPTED', 'SETTLED', 'REJECTED', 'FAILED'));`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "payment_events" drop constraint "payment_events_payment_id_foreign";`);

    this.addSql(`drop table if exists "payments" cascade;`);
    this.addSql(`drop table if exists "payment_events" cascade;`);
  }
}
