import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125152051 } from './Migration20261125152051';
import { Migration20261125181145 } from './Migration20261125181145';
import { Migration20261130194412 } from './Migration20261130194412';
import { Migration20261130230000 } from './Migration20261130230000';
import { Migration20261130231000 } from './Migration20261130231000';
import { Migration20261130232000 } from './Migration20261130232000';
import { Migration20261130233000 } from './Migration20261130233000';
import { Migration20261201100000 } from './Migration20261201100000';
import { Migration20261201150000 } from './Migration20261201150000';

/**
 * Every committed migration, in order. Listed by import (not discovered by globbing the directory)
 * so a bundled build carries them. `pnpm migration:create` writes a new file here: add it below.
 */
export const migrationsList: MigrationObject[] = [
  // Initial schema: the data-model contract of docs/architecture.md.
  { name: 'Migration20261125152051', class: Migration20261125152051 },
  // Covering index for the insights' aggregates (index-only scans).
  { name: 'Migration20261125181145', class: Migration20261125181145 },
  // payments and payment_events (#16): initiation exactly once per (user, idempotency key), status history.
  { name: 'Migration20261130194412', class: Migration20261130194412 },
  // user_skills.manual_sync_at: the refresh cooldown is our own state, not a read of pg-boss's tables.
  { name: 'Migration20261130230000', class: Migration20261130230000 },
  // rate_limit_hits (#12): sign-in and registration limits reserved atomically before hashing; drops login_failures.
  { name: 'Migration20261130231000', class: Migration20261130231000 },
  // Rollups of booked transactions (#17), backfilled; the insights read them instead of transactions.
  { name: 'Migration20261130232000', class: Migration20261130232000 },
  // Connect sessions: the bank's return kept for its owner, leases instead of row locks, limits (#12).
  { name: 'Migration20261130233000', class: Migration20261130233000 },
  // Monthly totals of booked transactions (#17): the cash flow by month reads a row per month.
  { name: 'Migration20261201100000', class: Migration20261201100000 },
  // Counterparty rollups with both directions in a row (#17); old-release writes follow by trigger.
  { name: 'Migration20261201150000', class: Migration20261201150000 },
];
