import { Migration } from '@mikro-orm/migrations';

/**
 * The insights' covering index (see entities/transaction.ts). Built CONCURRENTLY, outside a
 * transaction, so that syncs keep writing transactions while a large table is indexed.
 */
export class Migration20261125181145 extends Migration {
  override isTransactional(): boolean {
    return false;
  }

  override async up(): Promise<void> {
    this.addSql(
      `create index concurrently if not exists "transactions_user_id_booking_date_booked_index" on "transactions" ("user_id", "booking_date") include ("amount", "currency", "counterparty") where "status" = 'booked';`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index concurrently if exists "transactions_user_id_booking_date_booked_index";`);
  }
}
