import { Migration } from '@mikro-orm/migrations';

/**
 * Counterparty rollups with both directions in one row (entities/transaction-rollups.ts): a
 * year of top counterparties reads and groups half the rows of counterparty_monthly_totals.
 *
 * Filled from counterparty_monthly_totals, which equals the transactions; the SHARE lock on
 * transactions holds every writer off until this migration commits. The previous release's
 * workers keep writing counterparty_monthly_totals until the new ones replace them, so a trigger
 * adds each change they make there to the new table (inserts and updates: the writers never
 * delete a rollup row, and an account's deletion cascades to both tables). The next release
 * drops the trigger and the old table.
 */
export class Migration20261201150000 extends Migration {
  override name = 'Migration20261201150000';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "counterparty_monthly_flows" ("account_id" uuid not null, "month" date not null, "counterparty" text not null, "currency" text not null, "user_id" uuid not null, "credit_count" int not null, "credit_total" numeric(28,4) not null, "debit_count" int not null, "debit_total" numeric(28,4) not null, primary key ("account_id", "month", "counterparty", "currency"));`,
    );
    this.addSql(
      `create index "counterparty_monthly_flows_user_id_month_index" on "counterparty_monthly_flows" ("user_id", "month");`,
    );
    this.addSql(
      `alter table "counterparty_monthly_flows" add constraint "counterparty_monthly_flows_account_id_foreign" foreign key ("account_id") references "accounts" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "counterparty_monthly_flows" add constraint "counterparty_monthly_flows_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(`lock table "transactions" in share mode;`);
    this.addSql(
      `insert into "counterparty_monthly_flows" ("account_id", "user_id", "month", "counterparty", "currency", "credit_count", "credit_total", "debit_count", "debit_total")
       select c.account_id, c.user_id, c.month, c.counterparty, c.currency,
              coalesce(sum(c.count) filter (where c.direction = 'credit'), 0),
              coalesce(sum(c.total) filter (where c.direction = 'credit'), 0),
              coalesce(sum(c.count) filter (where c.direction = 'debit'), 0),
              coalesce(sum(c.total) filter (where c.direction = 'debit'), 0)
         from counterparty_monthly_totals c
        group by 1, 2, 3, 4, 5;`,
    );
    // The trigger CounterpartyMonthlyTotal declares, as the schema generator writes it.
    this.addSql(
      `create or replace function "counterparty_monthly_totals_to_flows_fn"() returns trigger as $$ begin insert into counterparty_monthly_flows as f
               (account_id, user_id, month, counterparty, currency, credit_count, credit_total, debit_count, debit_total)
        select new.account_id, new.user_id, new.month, new.counterparty, new.currency,
               case when d.credit then d.n else 0 end, case when d.credit then d.amount else 0 end,
               case when d.credit then 0 else d.n end, case when d.credit then 0 else d.amount end
          from (select new.direction = 'credit' as credit,
                       new.count - case when tg_op = 'UPDATE' then old.count else 0 end as n,
                       new.total - case when tg_op = 'UPDATE' then old.total else 0 end as amount) d
        on conflict (account_id, month, counterparty, currency) do update
           set credit_count = f.credit_count + excluded.credit_count,
               credit_total = f.credit_total + excluded.credit_total,
               debit_count = f.debit_count + excluded.debit_count,
               debit_total = f.debit_total + excluded.debit_total;         return null; end; $$ language plpgsql;`,
    );
    this.addSql(
      `create trigger "to_flows" AFTER INSERT OR UPDATE on "counterparty_monthly_totals" for each ROW execute function "counterparty_monthly_totals_to_flows_fn"();`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop trigger if exists "to_flows" on "counterparty_monthly_totals";`);
    this.addSql(`drop function if exists "counterparty_monthly_totals_to_flows_fn"();`);
    this.addSql(`drop table if exists "counterparty_monthly_flows" cascade;`);
  }
}
