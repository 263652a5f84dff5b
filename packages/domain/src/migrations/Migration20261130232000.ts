import { Migration } from '@mikro-orm/migrations';

/**
 * Rollups of booked transactions (entities/transaction-rollups.ts), filled from the
 * transactions already stored. The insights read the rollups from now on, so the covering index
 * that served their scans of transactions goes: one index less to write per synced row.
 *
 * The backfill holds a SHARE lock on transactions until this migration commits, so no row is
 * written between the aggregate and the commit: the rollups start equal to the table, and from
 * then on the sync engine keeps them with every write.
 */
export class Migration20261130232000 extends Migration {
  override name = 'Migration20261130232000';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "transaction_daily_totals" ("account_id" uuid not null, "day" date not null, "currency" text not null, "direction" text not null, "user_id" uuid not null, "count" int not null, "total" numeric(28,4) not null, primary key ("account_id", "day", "currency", "direction"));`,
    );
    this.addSql(
      `create index "transaction_daily_totals_user_id_day_index" on "transaction_daily_totals" ("user_id", "day");`,
    );
    this.addSql(
      `create table "counterparty_monthly_totals" ("account_id" uuid not null, "month" date not null, "counterparty" text not null, "currency" text not null, "direction" text not null, "user_id" uuid not null, "count" int not null, "total" numeric(28,4) not null, primary key ("account_id", "month", "counterparty", "currency", "direction"));`,
    );
    this.addSql(
      `create index "counterparty_monthly_totals_user_id_month_index" on "counterparty_monthly_totals" ("user_id", "month");`,
    );
    for (const table of ['transaction_daily_totals', 'counterparty_monthly_totals']) {
      this.addSql(
        `alter table "${table}" add constraint "${table}_account_id_foreign" foreign key ("account_id") references "accounts" ("id") on update cascade on delete cascade;`,
      );
      this.addSql(
        `alter table "${table}" add constraint "${table}_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
      );
      this.addSql(
        `alter table "${table}" add constraint "${table}_direction_check" check ("direction" in ('credit', 'debit'));`,
      );
    }

    this.addSql(`lock table "transactions" in share mode;`);
    this.addSql(
      `insert into "transaction_daily_totals" ("account_id", "user_id", "day", "currency", "direction", "count", "total")
       select t.account_id, t.user_id, (t.booking_date at time zone 'UTC')::date, t.currency,
              case when t.amount < 0 then 'debit' else 'credit' end, count(*), sum(t.amount)
         from transactions t
        where t.status = 'booked'
        group by 1, 2, 3, 4, 5;`,
    );
    this.addSql(
      `insert into "counterparty_monthly_totals" ("account_id", "user_id", "month", "currency", "direction", "counterparty", "count", "total")
       select t.account_id, t.user_id, date_trunc('month', t.booking_date at time zone 'UTC')::date, t.currency,
              case when t.amount < 0 then 'debit' else 'credit' end, t.counterparty, count(*), sum(t.amount)
         from transactions t
        where t.status = 'booked' and t.counterparty <> ''
        group by 1, 2, 3, 4, 5, 6;`,
    );
    this.addSql(`drop index if exists "transactions_user_id_booking_date_booked_index";`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "counterparty_monthly_totals" cascade;`);
    this.addSql(`drop table if exists "transaction_daily_totals" cascade;`);
    this.addSql(
      `create index if not exists "transactions_user_id_booking_date_booked_index" on "transactions" ("user_id", "booking_date") include ("amount", "currency", "counterparty") where "status" = 'booked';`,
    );
  }
}
