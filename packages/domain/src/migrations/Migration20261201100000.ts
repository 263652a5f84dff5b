import { Migration } from '@mikro-orm/migrations';

/**
 * Monthly totals of booked transactions (entities/transaction-rollups.ts): a cash flow by month
 * reads 12 rows per account, currency and direction a year instead of 365 daily ones. Filled
 * from the daily totals, which equal the transactions (the sync engine keeps both in the statement
 * that writes the rows); the SHARE lock on transactions holds every writer off until this
 * migration commits, so no row is written between the fill and the commit.
 */
export class Migration20261201100000 extends Migration {
  override name = 'Migration20261201100000';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "transaction_monthly_totals" ("account_id" uuid not null, "month" date not null, "currency" text not null, "direction" text not null, "user_id" uuid not null, "count" int not null, "total" numeric(28,4) not null, primary key ("account_id", "month", "currency", "direction"));`,
    );
    this.addSql(
      `create index "transaction_monthly_totals_user_id_month_index" on "transaction_monthly_totals" ("user_id", "month");`,
    );
    this.addSql(
      `alter table "transaction_monthly_totals" add constraint "transaction_monthly_totals_account_id_foreign" foreign key ("account_id") references "accounts" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "transaction_monthly_totals" add constraint "transaction_monthly_totals_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "transaction_monthly_totals" add constraint "transaction_monthly_totals_direction_check" check ("direction" in ('credit', 'debit'));`,
    );
    this.addSql(`lock table "transactions" in share mode;`);
    this.addSql(
      `insert into "transaction_monthly_totals" ("account_id", "user_id", "month", "currency", "direction", "count", "total")
       select d.account_id, d.user_id, date_trunc('month', d.day)::date, d.currency, d.direction, sum(d.count), sum(d.total)
         from transaction_daily_totals d
        group by 1, 2, 3, 4, 5
       having sum(d.count) <> 0 or sum(d.total) <> 0;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "transaction_monthly_totals" cascade;`);
  }
}
