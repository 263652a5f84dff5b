import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/testing';

/**
 * The database itself rejects bad rows (raw SQL, bypassing the ORM): every unique, foreign-key and
 * check constraint of the data-model contract, by name, and the chosen ON DELETE behaviour.
 */

let db: TestDatabase;
let client: pg.Client;

const q = (sql: string, params: unknown[] = []) => client.query(sql, params);

/** Runs `sql` in a savepoint so a failure leaves the fixture intact; returns the pg error. */
async function rejection(sql: string, params: unknown[] = []): Promise<{ code: string; constraint: string }> {
  await q('begin');
  try {
    await q(sql, params);
  } catch (error) {
    return error as { code: string; constraint: string };
  } finally {
    await q('rollback');
  }
  throw new Error(`expected the database to reject: ${sql}`);
}

interface Graph {
  user: string;
  servicer: string;
  skill: string;
  consent: string;
  account: string;
  session: string;
  payment: string;
}

/** A complete valid graph: user → consent → account → balance/transaction, session → step, sync run. */
async function graph(): Promise<Graph> {
  const g = {
    user: randomUUID(),
    servicer: randomUUID(),
    skill: randomUUID(),
    consent: randomUUID(),
    account: randomUUID(),
    session: randomUUID(),
    payment: randomUUID(),
  };
  await q(`insert into users (id, email, password_hash, tenant_user_id) values ($1, $2, 'h', $3)`, [
    g.user,
    `${g.user}@example.test`,
    randomUUID(),
  ]);
  await q(`insert into auth_tokens (user_id, token_hash, expires_at) values ($1, $2, now())`, [
    g.user,
    `t-${g.user}`,
  ]);
  await q(`insert into servicers (id, code, name, country) values ($1, $2, 'B', 'Romania')`, [
    g.servicer,
    `s-${g.servicer}`,
  ]);
  await q(
    `insert into skills (id, servicer_id, code, name, kind, flow) values ($1, $2, $3, 'K', 'aisp', '[]')`,
    [g.skill, g.servicer, `k-${g.skill}`],
  );
  await q(
    `insert into user_skills (id, user_id, skill_id, credentials_id_hash, credentials_id_enc, access_token_enc, vault_key_id)
     values ($1, $2, $3, $4, 'v1.x', 'v1.x', 'k1')`,
    [g.consent, g.user, g.skill, `h-${g.consent}`],
  );
  await q(
    `insert into accounts (id, user_skill_id, user_id, finqware_account_id, servicer_name, currency, raw)
     values ($1, $2, $3, 'fa-1', 'B', 'RON', '{}')`,
    [g.account, g.consent, g.user],
  );
  await q(
    `insert into balances (account_id, finqware_balance_id, type, amount, credit_debit_indicator, currency, raw)
     values ($1, 'fb-1', 'Expected', '-12.3400', 'debit', 'RON', '{}')`,
    [g.account],
  );
  await q(
    `insert into transactions (account_id, user_id, utx_id, finqware_id, status, amount, credit_debit_indicator, currency, booking_date, raw)
     values ($1, $2, 'utx-1', 'ft-1', 'booked', '4.27', 'credit', 'RON', now(), '{}')`,
    [g.account, g.user],
  );
  await q(
    `insert into sessions (id, user_id, skill_id, finqware_session_id, user_skill_id, expires_at) values ($1, $2, $3, $4, $5, now())`,
    [g.session, g.user, g.skill, `fs-${g.session}`, g.consent],
  );
  await q(
    `insert into steps (session_id, position, name, kind, definition) values ($1, 0, 'sca', 'sca', '{}')`,
    [g.session],
  );
  await q(`insert into sync_runs (user_skill_id, reason) values ($1, 'initial')`, [g.consent]);
  await q(
    `insert into payments (id, user_id, skill_id, session_id, idempotency_key, request_hash, debtor_account_id,
       debtor_iban, creditor_name, creditor_iban, amount, currency)
     values ($1, $2, $3, $4, 'key-1', 'h', $5, 'RO03RZBR0000069999999999', 'C', 'RO10RZBR0000069999999970', '150.25', 'RON')`,
    [g.payment, g.user, g.skill, g.session, g.account],
  );
  await q(`insert into payment_events (payment_id, status) values ($1, 'PENDING')`, [g.payment]);
  return g;
}

const count = async (table: string, where = 'true', params: unknown[] = []) =>
  Number((await q(`select count(*) as n from ${table} where ${where}`, params)).rows[0].n);

beforeAll(async () => {
  db = await createTestDatabase();
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('unique constraints', () => {
  const cases: [string, (g: Graph) => [string, unknown[]]][] = [
    [
      'users_email_unique',
      (g) => [
        `insert into users (email, password_hash, tenant_user_id) values ($1, 'h', $2)`,
        [`${g.user}@example.test`, randomUUID()],
      ],
    ],
    [
      'users_tenant_user_id_unique',
      (g) => [
        `insert into users (email, password_hash, tenant_user_id) select 'x@y.z', 'h', tenant_user_id from users where id = $1`,
        [g.user],
      ],
    ],
    [
      'auth_tokens_token_hash_unique',
      (g) => [
        `insert into auth_tokens (user_id, token_hash, expires_at) values ($1, $2, now())`,
        [g.user, `t-${g.user}`],
      ],
    ],
    [
      'servicers_code_unique',
      (g) => [`insert into servicers (code, name, country) values ($1, 'B', 'RO')`, [`s-${g.servicer}`]],
    ],
    [
      'skills_code_unique',
      (g) => [
        `insert into skills (servicer_id, code, name, kind, flow) values ($1, $2, 'K', 'aisp', '[]')`,
        [g.servicer, `k-${g.skill}`],
      ],
    ],
    [
      'user_skills_credentials_id_hash_unique',
      (g) => [
        `insert into user_skills (user_id, skill_id, credentials_id_hash, credentials_id_enc, access_token_enc, vault_key_id) values ($1, $2, $3, 'e', 'e', 'k1')`,
        [g.user, g.skill, `h-${g.consent}`],
      ],
    ],
    [
      'accounts_user_skill_id_finqware_account_id_unique',
      (g) => [
        `insert into accounts (user_skill_id, user_id, finqware_account_id, servicer_name, currency, raw) values ($1, $2, 'fa-1', 'B', 'RON', '{}')`,
        [g.consent, g.user],
      ],
    ],
    [
      'balances_account_id_finqware_balance_id_unique',
      (g) => [
        `insert into balances (account_id, finqware_balance_id, type, amount, credit_debit_indicator, currency, raw) values ($1, 'fb-1', 'Expected', 1, 'credit', 'RON', '{}')`,
        [g.account],
      ],
    ],
    [
      'transactions_account_id_utx_id_unique',
      (g) => [
        `insert into transactions (account_id, user_id, utx_id, finqware_id, status, amount, credit_debit_indicator, currency, booking_date, raw) values ($1, $2, 'utx-1', 'ft-2', 'booked', 1, 'credit', 'RON', now(), '{}')`,
        [g.account, g.user],
      ],
    ],
    [
      'sessions_finqware_session_id_unique',
      (g) => [
        `insert into sessions (user_id, skill_id, finqware_session_id, expires_at) values ($1, $2, $3, now())`,
        [g.user, g.skill, `fs-${g.session}`],
      ],
    ],
    [
      'payments_user_id_idempotency_key_unique',
      (g) => [
        `insert into payments (user_id, skill_id, idempotency_key, request_hash, debtor_iban, creditor_name, creditor_iban, amount, currency) values ($1, $2, $3, 'h', 'D', 'C', 'I', 1, 'RON')`,
        [g.user, g.skill, 'key-1'],
      ],
    ],
    [
      'steps_session_id_position_unique',
      (g) => [
        `insert into steps (session_id, position, name, kind, definition) values ($1, 0, 'again', 'form', '{}')`,
        [g.session],
      ],
    ],
  ];
  it.each(cases)('%s rejects a duplicate', async (constraint, build) => {
    const [sql, params] = build(await graph());
    expect(await rejection(sql, params)).toMatchObject({ code: '23505', constraint });
  });

  it('the same utx_id on another account is fine (unique per account, not globally)', async () => {
    const a = await graph();
    const b = await graph();
    for (const g of [a, b]) {
      await q(
        `insert into transactions (account_id, user_id, utx_id, finqware_id, status, amount, credit_debit_indicator, currency, booking_date, raw)
         values ($1, $2, 'utx-shared', 'ft-9', 'booked', 1, 'credit', 'RON', now(), '{}')`,
        [g.account, g.user],
      );
    }
    expect(
      await count('transactions', `utx_id = 'utx-shared' and account_id in ($1, $2)`, [a.account, b.account]),
    ).toBe(2);
  });
});

describe('check constraints', () => {
  const cases: [string, (g: Graph) => [string, unknown[]]][] = [
    [
      'users_email_lowercase_check',
      () => [
        `insert into users (email, password_hash, tenant_user_id) values ('Mixed@Case.test', 'h', $1)`,
        [randomUUID()],
      ],
    ],
    ['skills_kind_check', (g) => [`update skills set kind = 'loans' where id = $1`, [g.skill]]],
    [
      'user_skills_status_check',
      (g) => [`update user_skills set status = 'active' where id = $1`, [g.consent]],
    ],
    [
      'user_skills_last_sync_outcome_check',
      (g) => [`update user_skills set last_sync_outcome = 'DONE' where id = $1`, [g.consent]],
    ],
    [
      'balances_credit_debit_indicator_check',
      (g) => [`update balances set credit_debit_indicator = 'minus' where account_id = $1`, [g.account]],
    ],
    [
      'transactions_status_check',
      (g) => [`update transactions set status = 'cleared' where account_id = $1`, [g.account]],
    ],
    [
      'transactions_credit_debit_indicator_check',
      (g) => [`update transactions set credit_debit_indicator = 'DEBIT' where account_id = $1`, [g.account]],
    ],
    ['sessions_status_check', (g) => [`update sessions set status = 'DONE' where id = $1`, [g.session]]],
    ['steps_kind_check', (g) => [`update steps set kind = 'captcha' where session_id = $1`, [g.session]]],
    ['steps_status_check', (g) => [`update steps set status = 'SKIPPED' where session_id = $1`, [g.session]]],
    [
      'sync_runs_outcome_check',
      (g) => [`update sync_runs set outcome = 'OK' where user_skill_id = $1`, [g.consent]],
    ],
    [
      'sync_runs_error_class_check',
      (g) => [`update sync_runs set error_class = 'oops' where user_skill_id = $1`, [g.consent]],
    ],
    [
      'sync_runs_reason_check',
      (g) => [`update sync_runs set reason = 'whim' where user_skill_id = $1`, [g.consent]],
    ],
    ['payments_amount_check', (g) => [`update payments set amount = 0 where id = $1`, [g.payment]]],
    ['payments_currency_check', (g) => [`update payments set currency = 'ron' where id = $1`, [g.payment]]],
    ['payments_status_check', (g) => [`update payments set status = 'PAID' where id = $1`, [g.payment]]],
    [
      'payment_events_status_check',
      (g) => [`update payment_events set status = 'PAID' where payment_id = $1`, [g.payment]],
    ],
  ];
  it.each(cases)('%s rejects an unknown value', async (constraint, build) => {
    const [sql, params] = build(await graph());
    expect(await rejection(sql, params)).toMatchObject({ code: '23514', constraint });
  });

  it('money keeps exactly four decimals and rejects more than 16 integer digits', async () => {
    const g = await graph();
    const { rows } = await q(`select amount::text from balances where account_id = $1`, [g.account]);
    expect(rows[0].amount).toBe('-12.3400');
    const error = await rejection(
      `update balances set amount = '12345678901234567.0' where account_id = $1`,
      [g.account],
    );
    expect(error.code).toBe('22003'); // numeric field overflow
  });
});

describe('foreign keys', () => {
  const dangling: [string, (g: Graph) => [string, unknown[]]][] = [
    [
      'auth_tokens_user_id_foreign',
      () => [
        `insert into auth_tokens (user_id, token_hash, expires_at) values ($1, 'x', now())`,
        [randomUUID()],
      ],
    ],
    [
      'skills_servicer_id_foreign',
      () => [
        `insert into skills (servicer_id, code, name, kind, flow) values ($1, 'c', 'K', 'aisp', '[]')`,
        [randomUUID()],
      ],
    ],
    [
      'user_skills_user_id_foreign',
      (g) => [
        `insert into user_skills (user_id, skill_id, credentials_id_hash, credentials_id_enc, access_token_enc, vault_key_id) values ($1, $2, 'h', 'e', 'e', 'k')`,
        [randomUUID(), g.skill],
      ],
    ],
    [
      'user_skills_skill_id_foreign',
      (g) => [
        `insert into user_skills (user_id, skill_id, credentials_id_hash, credentials_id_enc, access_token_enc, vault_key_id) values ($1, $2, 'h', 'e', 'e', 'k')`,
        [g.user, randomUUID()],
      ],
    ],
    [
      'accounts_user_skill_id_foreign',
      (g) => [
        `insert into accounts (user_skill_id, user_id, finqware_account_id, servicer_name, currency, raw) values ($1, $2, 'f', 'B', 'RON', '{}')`,
        [randomUUID(), g.user],
      ],
    ],
    [
      'accounts_user_id_foreign',
      (g) => [
        `insert into accounts (user_skill_id, user_id, finqware_account_id, servicer_name, currency, raw) values ($1, $2, 'f', 'B', 'RON', '{}')`,
        [g.consent, randomUUID()],
      ],
    ],
    [
      'balances_account_id_foreign',
      () => [
        `insert into balances (account_id, finqware_balance_id, type, amount, credit_debit_indicator, currency, raw) values ($1, 'b', 'Expected', 1, 'credit', 'RON', '{}')`,
        [randomUUID()],
      ],
    ],
    [
      'transactions_account_id_foreign',
      (g) => [
        `insert into transactions (account_id, user_id, utx_id, finqware_id, status, amount, credit_debit_indicator, currency, booking_date, raw) values ($1, $2, 'u', 'f', 'booked', 1, 'credit', 'RON', now(), '{}')`,
        [randomUUID(), g.user],
      ],
    ],
    [
      'transactions_user_id_foreign',
      (g) => [
        `insert into transactions (account_id, user_id, utx_id, finqware_id, status, amount, credit_debit_indicator, currency, booking_date, raw) values ($1, $2, 'u', 'f', 'booked', 1, 'credit', 'RON', now(), '{}')`,
        [g.account, randomUUID()],
      ],
    ],
    [
      'sessions_user_id_foreign',
      (g) => [
        `insert into sessions (user_id, skill_id, finqware_session_id, expires_at) values ($1, $2, 'x', now())`,
        [randomUUID(), g.skill],
      ],
    ],
    [
      'sessions_skill_id_foreign',
      (g) => [
        `insert into sessions (user_id, skill_id, finqware_session_id, expires_at) values ($1, $2, 'x', now())`,
        [g.user, randomUUID()],
      ],
    ],
    [
      'sessions_user_skill_id_foreign',
      (g) => [
        `insert into sessions (user_id, skill_id, finqware_session_id, user_skill_id, expires_at) values ($1, $2, 'x', $3, now())`,
        [g.user, g.skill, randomUUID()],
      ],
    ],
    [
      'steps_session_id_foreign',
      () => [
        `insert into steps (session_id, position, name, kind, definition) values ($1, 0, 'n', 'form', '{}')`,
        [randomUUID()],
      ],
    ],
    [
      'sync_runs_user_skill_id_foreign',
      () => [`insert into sync_runs (user_skill_id, reason) values ($1, 'manual')`, [randomUUID()]],
    ],
    [
      'payments_user_id_foreign',
      (g) => [
        `insert into payments (user_id, skill_id, idempotency_key, request_hash, debtor_iban, creditor_name, creditor_iban, amount, currency) values ($1, $2, $3, 'h', 'D', 'C', 'I', 1, 'RON')`,
        [randomUUID(), g.skill, 'k'],
      ],
    ],
    [
      'payments_skill_id_foreign',
      (g) => [
        `insert into payments (user_id, skill_id, idempotency_key, request_hash, debtor_iban, creditor_name, creditor_iban, amount, currency) values ($1, $2, $3, 'h', 'D', 'C', 'I', 1, 'RON')`,
        [g.user, randomUUID(), 'k'],
      ],
    ],
    [
      'payments_session_id_foreign',
      (g) => [`update payments set session_id = $2 where id = $1`, [g.payment, randomUUID()]],
    ],
    [
      'payments_debtor_account_id_foreign',
      (g) => [`update payments set debtor_account_id = $2 where id = $1`, [g.payment, randomUUID()]],
    ],
    [
      'payment_events_payment_id_foreign',
      () => [`insert into payment_events (payment_id, status) values ($1, 'PENDING')`, [randomUUID()]],
    ],
  ];
  it.each(dangling)('%s rejects a dangling reference', async (constraint, build) => {
    const [sql, params] = build(await graph());
    expect(await rejection(sql, params)).toMatchObject({ code: '23503', constraint });
  });

  it('ON DELETE RESTRICT: a skill with consents or sessions, and a servicer with skills, cannot be deleted', async () => {
    const g = await graph();
    // PostgreSQL 18 reports restrict_violation (23001), earlier versions foreign_key_violation (23503).
    const restrict = expect.stringMatching(/^(23001|23503)$/);
    expect(await rejection(`delete from skills where id = $1`, [g.skill])).toMatchObject({
      code: restrict,
      constraint: expect.stringMatching(/^(user_skills|sessions|payments)_skill_id_foreign$/),
    });
    expect(await rejection(`delete from servicers where id = $1`, [g.servicer])).toMatchObject({
      code: restrict,
      constraint: 'skills_servicer_id_foreign',
    });
  });

  it('ON DELETE SET NULL: deleting a consent keeps the session that produced it', async () => {
    const g = await graph();
    await q(`delete from user_skills where id = $1`, [g.consent]);
    expect((await q(`select user_skill_id from sessions where id = $1`, [g.session])).rows).toEqual([
      { user_skill_id: null },
    ]);
    // …and cascades to the consent's cached data and sync history.
    expect(await count('accounts', 'id = $1', [g.account])).toBe(0);
    expect(await count('transactions', 'account_id = $1', [g.account])).toBe(0);
    expect(await count('balances', 'account_id = $1', [g.account])).toBe(0);
    expect(await count('sync_runs', 'user_skill_id = $1', [g.consent])).toBe(0);
    // A payment outlives the account and session it was made through: it is a record of money moved.
    expect((await q(`select debtor_account_id from payments where id = $1`, [g.payment])).rows).toEqual([
      { debtor_account_id: null },
    ]);
    await q(`delete from sessions where id = $1`, [g.session]);
    expect((await q(`select session_id from payments where id = $1`, [g.payment])).rows).toEqual([
      { session_id: null },
    ]);
  });

  it('ON DELETE CASCADE: deleting a user removes everything of theirs, and nothing of anyone else', async () => {
    const g = await graph();
    const other = await graph();
    await q(`delete from users where id = $1`, [g.user]);
    for (const [table, column] of [
      ['auth_tokens', 'user_id'],
      ['user_skills', 'user_id'],
      ['accounts', 'user_id'],
      ['transactions', 'user_id'],
      ['sessions', 'user_id'],
      ['payments', 'user_id'],
    ] as const) {
      expect(await count(table, `${column} = $1`, [g.user])).toBe(0);
      expect(await count(table, `${column} = $1`, [other.user])).toBeGreaterThan(0);
    }
    expect(await count('steps', 'session_id = $1', [g.session])).toBe(0);
    expect(await count('payment_events', 'payment_id = $1', [g.payment])).toBe(0);
    // The catalog stays.
    expect(await count('skills', 'id = $1', [g.skill])).toBe(1);
  });
});

describe('read-path indexes', () => {
  it('exist with the documented column order', async () => {
    const { rows } = await q(`select indexname, indexdef from pg_indexes where schemaname = 'public'`);
    const defs = new Map(rows.map((r: { indexname: string; indexdef: string }) => [r.indexname, r.indexdef]));
    expect(defs.get('transactions_account_id_booking_date_id_index')).toMatch(
      /\(account_id, booking_date DESC, id DESC\)/,
    );
    expect(defs.get('transactions_user_id_booking_date_id_index')).toMatch(
      /\(user_id, booking_date DESC, id DESC\)/,
    );
    expect(defs.get('user_skills_status_next_sync_at_index')).toMatch(/\(status, next_sync_at\)/);
    expect(defs.get('balances_account_id_type_finqware_timestamp_index')).toMatch(
      /\(account_id, type, finqware_timestamp DESC\)/,
    );
    expect(defs.get('sync_runs_user_skill_id_started_at_index')).toMatch(
      /\(user_skill_id, started_at DESC\)/,
    );
    expect(defs.get('rate_limit_hits_key_expires_at_index')).toMatch(/\(key, expires_at\)/);
  });
});
