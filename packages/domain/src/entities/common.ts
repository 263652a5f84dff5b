import { randomUUID } from 'node:crypto';
import { p } from '@mikro-orm/core';

/**
 * uuid primary key: generated in code for entities the ORM creates, and by the database
 * (gen_random_uuid, built into PostgreSQL 13+) for the set-based bulk inserts of the sync engine.
 */
export const idProperty = () =>
  p
    .uuid()
    .primary()
    .defaultRaw('gen_random_uuid()')
    .onCreate(() => randomUUID());

/** timestamptz with a database default, so raw bulk inserts need not set it. */
export const createdAtProperty = () =>
  p
    .datetime()
    .defaultRaw('now()')
    .onCreate(() => new Date());

export const updatedAtProperty = () =>
  p
    .datetime()
    .defaultRaw('now()')
    .onCreate(() => new Date())
    .onUpdate(() => new Date());

/** Money: numeric(20,4) read and written as exact decimal strings (never JS numbers). */
export const moneyProperty = () => p.decimal('string').precision(20).scale(4);
