import { randomUUID } from 'node:crypto';
import { appRouter } from '@tenant/router';
import {
  type RouterCaller as Caller,
  createHarness,
  type Harness,
  PASSWORD,
  sql,
} from '@tenant/router/testing';
import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FuzzIds as Ids, snapshot, type UserWithData, userWithData } from './support/fuzz-data';

/**
 * Property-based fuzzing of every tRPC procedure with random, boundary and hostile inputs.
 * For every call: never INTERNAL_SERVER_ERROR; a BAD_REQUEST names the field at fault; a rejected
 * call changes no table's row count; another user's ids are NOT_FOUND.
 * A procedure added to the router without an entry in SPECS fails the first test.
 */

type Spec = {
  /** Arbitrary inputs: valid values, hostile values and other users' ids, per field. */
  input: (ctx: FuzzContext) => fc.Arbitrary<unknown>;
  call: (api: Caller, input: unknown) => Promise<unknown>;
  /** Who calls: the data owner (default) or an anonymous caller. */
  as?: 'owner' | 'anonymous' | 'disposable';
  /** Inputs that put another user's id in the id fields (other fields valid): must be NOT_FOUND. */
  foreign?: (ctx: FuzzContext) => fc.Arbitrary<unknown>;
  /** Tables a rejected call may legitimately write (login failures feed throttling). */
  mayWrite?: string[];
};
type FuzzContext = { own: Ids; other: Ids; skillIds: string[]; paymentSkillId: string };

const HUGE = 100_000;

/** What PostgreSQL text or UTF-8 cannot hold: NUL, lone high and low surrogates. */
const poison = fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\uDBFF\u0000', '\u0000\uDC00');
/**
 * Every string field is drawn through this: often as generated, sometimes with poison spliced in
 * at any position (which may also split a surrogate pair of the string itself).
 */
const crafted = (base: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ weight: 3, arbitrary: base }, { weight: 2, arbitrary: poisoned(base) });
/** `base` with poison spliced in at any position. */
function poisoned(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(base, poison, fc.nat())
    .map(
      ([text, bad, at]) =>
        `${text.slice(0, at % (text.length + 1))}${bad}${text.slice(at % (text.length + 1))}`,
    );
}
/** Calendar dates that do not exist (V8 rolls some of them over; PostgreSQL refuses them all). */
const IMPOSSIBLE_DATES = ['2024-02-30', '2023-02-29', '2025-04-31', '0000-01-01', '2024-13-01', '2024-00-10'];
const IMPOSSIBLE_TIMES = ['T24:00:00', 'T23:60:00', 'T12:00:61'];
/** The api's cursor format (base64url JSON of [booking date with microseconds, id]), for any date. */
const cursorOf = (date: string, id: string) => Buffer.from(JSON.stringify([date, id])).toString('base64url');
/** Cursors in the api's format whose date does not exist. */
const impossibleCursor = fc.oneof(
  fc
    .tuple(fc.constantFrom(...IMPOSSIBLE_DATES), fc.uuid())
    .map(([day, id]) => cursorOf(`${day}T00:00:00.000000Z`, id)),
  fc
    .tuple(fc.constantFrom(...IMPOSSIBLE_TIMES), fc.uuid())
    .map(([time, id]) => cursorOf(`2024-03-01${time}.000000Z`, id)),
);
/** Date strings that do not exist. */
const impossibleDate = fc.oneof(
  fc.constantFrom(...IMPOSSIBLE_DATES, ...IMPOSSIBLE_DATES.map((day) => `${day}T00:00:00Z`)),
  fc.constantFrom(...IMPOSSIBLE_TIMES.map((time) => `2024-03-01${time}Z`)),
);
const cursor = fc.oneof(
  fc.base64String({ maxLength: 120 }),
  crafted(fc.string({ maxLength: 250 })),
  impossibleCursor,
  fc
    .tuple(fc.date({ noInvalidDate: true }), fc.uuid())
    .map(([at, id]) => cursorOf(at.toISOString().replace('Z', '000Z'), id)),
  fc
    .tuple(crafted(fc.string({ maxLength: 30 })), crafted(fc.string({ maxLength: 40 })))
    .map(([a, b]) => cursorOf(a, b)),
);

/** Values no procedure should ever choke on. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uFFFF\uD800',
    'null',
    'undefined',
    "'; drop table users; --",
    '%_\\',
    '../../etc/passwd',
    'NaN',
    'Infinity',
    '-0',
    '1e309',
    '0x1F',
    '٣٤٥',
    '🙂'.repeat(1000),
    'a'.repeat(HUGE),
    'ü'.repeat(HUGE),
    '99999999999999999999999999.99999',
    '-99999999999999999999',
    '2025-13-45T25:61:61Z',
    '0000-00-00',
    '+275760-09-13T00:00:00.001Z',
    '!!!not-base64!!!',
    'eyJ0IjoiMjAyNS0wMS0wMSIsImlkIjoieCJ9',
    Buffer.from('{"t":"2025-01-01T00:00:00.000000Z","id":"00000000-0000-0000-0000-000000000000"}').toString(
      'base64url',
    ),
    Buffer.from('{"b":"not a date","i":"nope"}').toString('base64url'),
  ),
  crafted(fc.string({ maxLength: 300 })),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.integer(),
  fc.constantFrom(-1, 0, 1, 2 ** 31, -(2 ** 53), 2 ** 53 + 2, Number.MAX_VALUE, -Number.MAX_VALUE, 1e-300),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0),
  fc.bigInt(),
  fc.constantFrom(null, undefined, true, false, [], {}, [null], { length: 1 }),
  fc.constantFrom(new Date(Number.NaN), new Date(8.64e15), new Date(-8.64e15), new Date(0)),
  fc.uuid(),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}')),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 5 }),
);

const optional = (arb: fc.Arbitrary<unknown>) => fc.option(arb, { nil: undefined });

/**
 * Whole inputs: a valid input with zero, one or two fields replaced by hostile values (so a single
 * bad value reaches validation and, when it passes, the SQL), an unexpected extra key, some fields
 * missing, or something that is not a record at all.
 */
function inputOf(valid: fc.Arbitrary<Record<string, unknown>> | Record<string, fc.Arbitrary<unknown>>) {
  const base: fc.Arbitrary<Record<string, unknown>> =
    valid instanceof fc.Arbitrary ? valid : fc.record(valid as Record<string, fc.Arbitrary<unknown>>);
  const mutated = fc
    .tuple(base, fc.array(fc.tuple(fc.nat(), hostile), { maxLength: 2 }))
    .map(([record, swaps]) => {
      const keys = Object.keys(record);
      const out = { ...record };
      for (const [at, value] of swaps) if (keys.length > 0) out[keys[at % keys.length] as string] = value;
      return out;
    });
  const withExtra = fc
    .tuple(base, fc.string({ maxLength: 20 }), hostile)
    .map(([r, k, v]) => ({ ...r, [k]: v }));
  const partial = fc.tuple(base, fc.nat()).map(([r, drop]) => {
    const keys = Object.keys(r);
    const out = { ...r };
    if (keys.length > 0) delete out[keys[drop % keys.length] as string];
    return out;
  });
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 1, arbitrary: withExtra },
    { weight: 1, arbitrary: partial },
    { weight: 1, arbitrary: hostile },
  );
}

const instant = fc.oneof(
  fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
  // Valid JavaScript dates outside PostgreSQL's timestamptz range (4713 BC .. 294276 AD) and year 0.
  fc.constantFrom(
    new Date(-8.64e15),
    new Date(8.64e15),
    new Date('0000-01-01T00:00:00Z'),
    '+200000-01-01T00:00:00Z',
  ),
  fc.constantFrom('2025-01-01', '2025-01-15T00:00:00Z', '2025-03-01T00:00:00+02:00'),
  impossibleDate,
);
/** A valid [from, to) pair (from strictly before to), sometimes with extreme dates. */
const range = fc
  .tuple(instant, instant)
  .filter(([a, b]) => toMs(a) !== toMs(b))
  .map(([a, b]) => (toMs(a) < toMs(b) ? { from: a, to: b } : { from: b, to: a }));
function toMs(value: unknown): number {
  return value instanceof Date ? value.getTime() : Date.parse(String(value));
}
const withRange = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.tuple(range, fc.record(fields)).map(([r, rest]) => ({ ...r, ...rest }) as Record<string, unknown>);

const decimal = fc.oneof(
  fc.constantFrom('0', '-0.0001', '9999999999999999.9999', '-9999999999999999.9999', '12.5', '-100'),
  fc
    .tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: 0, max: 9999 }))
    .map(([i, f]) => `${i}.${f}`),
);
const email = crafted(
  fc.oneof(fc.emailAddress(), fc.constantFrom('A@B.CO', ' x@y.z ', `${'a'.repeat(250)}@b.co`)),
);
const password = crafted(fc.oneof(fc.string({ minLength: 0, maxLength: 250 }), fc.constant(PASSWORD)));

const anyId = (ctx: FuzzContext) =>
  fc.oneof(fc.uuid(), fc.constantFrom(...Object.values(ctx.own), ...Object.values(ctx.other)));
const foreignId = (ctx: FuzzContext, key: keyof Ids) =>
  fc.oneof(
    fc.constant(ctx.other[key]),
    fc.uuid().filter((u) => !Object.values(ctx.own).includes(u)),
  );

/** Valid IBANs of several countries, and some that are not (check digits, length). */
const IBANS = [
  'RO03RZBR0000069999999999',
  'RO10RZBR0000069999999970',
  'DE89370400440532013000',
  'ro49 aaaa 1b31 0075 9384 0000',
  'RO11RZBR0000069999999970',
  'DE8937040044053201300',
  'XX00',
];

const SPECS: Record<string, Spec> = {
  'auth.register': {
    as: 'anonymous',
    input: () => inputOf({ email, password }),
    call: (api, input) => api.auth.register(input as never),
    mayWrite: ['rate_limit_hits'],
  },
  'auth.login': {
    as: 'anonymous',
    input: () => inputOf({ email, password }),
    call: (api, input) => api.auth.login(input as never),
    mayWrite: ['rate_limit_hits'],
  },
  'auth.me': { input: () => hostile, call: (api, input) => api.auth.me(input as never) },
  'auth.logout': {
    as: 'disposable',
    input: () => hostile,
    call: (api, input) => api.auth.logout(input as never),
  },
  'catalog.skills': { input: () => hostile, call: (api, input) => api.catalog.skills(input as never) },
  'connect.start': {
    input: (ctx) => inputOf({ skillId: fc.oneof(fc.constantFrom(...ctx.skillIds), anyId(ctx)) }),
    call: (api, input) => api.connect.start(input as never),
  },
  'connect.submit': {
    input: (ctx) =>
      inputOf({
        sessionId: fc.oneof(fc.constant(ctx.own.session), anyId(ctx)),
        stepId: fc.oneof(fc.constant(ctx.own.step), anyId(ctx)),
        values: fc.oneof(
          fc.record({
            username: crafted(fc.string({ maxLength: 600 })),
            password: crafted(fc.constantFrom('wrong', '')),
          }),
          fc.dictionary(
            crafted(fc.string({ maxLength: 80 })),
            fc.oneof(crafted(fc.string({ maxLength: 600 })), hostile),
            { maxKeys: 4 },
          ),
        ),
      }),
    call: (api, input) => api.connect.submit(input as never),
    foreign: (ctx) =>
      fc.record({
        sessionId: foreignId(ctx, 'session'),
        stepId: fc.oneof(fc.constant(ctx.other.step), fc.constant(ctx.own.step), fc.uuid()),
        values: fc.constant({ username: 'x', password: 'sandbox' }),
      }),
  },
  'connect.get': {
    input: (ctx) => inputOf({ sessionId: anyId(ctx) }),
    call: (api, input) => api.connect.get(input as never),
    foreign: (ctx) => fc.record({ sessionId: foreignId(ctx, 'session') }),
  },
  'consents.list': { input: () => hostile, call: (api, input) => api.consents.list(input as never) },
  'consents.refresh': {
    input: (ctx) => inputOf({ consentId: anyId(ctx) }),
    call: (api, input) => api.consents.refresh(input as never),
    foreign: (ctx) => fc.record({ consentId: foreignId(ctx, 'consent') }),
  },
  'consents.revoke': {
    // The owner's own consent is left out: revoking it is a legitimate state change.
    input: (ctx) =>
      inputOf({ consentId: fc.oneof(fc.uuid(), fc.constantFrom(ctx.other.consent, ctx.other.account)) }),
    call: (api, input) => api.consents.revoke(input as never),
    foreign: (ctx) => fc.record({ consentId: foreignId(ctx, 'consent') }),
  },
  'accounts.list': {
    input: (ctx) => fc.oneof(fc.constant(undefined), inputOf({ consentId: anyId(ctx) })),
    call: (api, input) => api.accounts.list(input as never),
    foreign: (ctx) => fc.record({ consentId: foreignId(ctx, 'consent') }),
  },
  'balances.history': {
    input: (ctx) => inputOf(withRange({ accountId: fc.oneof(fc.constant(ctx.own.account), anyId(ctx)) })),
    call: (api, input) => api.balances.history(input as never),
    foreign: (ctx) => fc.record({ accountId: foreignId(ctx, 'account') }),
  },
  'transactions.list': {
    input: (ctx) =>
      inputOf(
        withRange({
          accountId: optional(fc.oneof(fc.constant(ctx.own.account), anyId(ctx))),
          status: fc.constantFrom('booked', 'pending', 'BOOKED', 'all'),
          search: optional(crafted(fc.string({ maxLength: 120 }))),
          minAmount: optional(crafted(decimal)),
          maxAmount: optional(crafted(decimal)),
          cursor: optional(cursor),
          limit: fc.integer({ min: -10, max: 1000 }),
        }),
      ),
    call: (api, input) => api.transactions.list(input as never),
    foreign: (ctx) =>
      fc.record({ accountId: foreignId(ctx, 'account'), limit: fc.integer({ min: 1, max: 500 }) }),
  },
  'insights.cashflow': {
    input: () =>
      inputOf({ from: instant, to: instant, interval: fc.constantFrom('month', 'week', 'day', 'MONTH') }),
    call: (api, input) => api.insights.cashflow(input as never),
  },
  'insights.topCounterparties': {
    input: () => inputOf(withRange({ limit: fc.integer({ min: -5, max: 200 }) })),
    call: (api, input) => api.insights.topCounterparties(input as never),
  },
  'sync.runs': {
    input: (ctx) => inputOf({ consentId: anyId(ctx) }),
    call: (api, input) => api.sync.runs(input as never),
    foreign: (ctx) => fc.record({ consentId: foreignId(ctx, 'consent') }),
  },
  'payments.initiate': {
    input: (ctx) =>
      inputOf({
        skillId: fc.oneof(fc.constant(ctx.paymentSkillId), fc.constantFrom(...ctx.skillIds), anyId(ctx)),
        debtorIban: optional(fc.oneof(fc.constantFrom(...IBANS), crafted(fc.string({ maxLength: 40 })))),
        debtorAccountId: optional(fc.oneof(fc.constant(ctx.own.account), anyId(ctx))),
        creditor: fc.record({
          name: crafted(fc.string({ maxLength: 90 })),
          iban: fc.oneof(fc.constantFrom(...IBANS), crafted(fc.string({ maxLength: 40 }))),
        }),
        amount: fc.oneof(decimal, fc.constantFrom('150.25', '0.001', '1.5', '007.10')),
        currency: fc.constantFrom('RON', 'EUR', 'JPY', 'XAU', 'ron', 'BHD'),
        remittance: optional(crafted(fc.string({ maxLength: 200 }))),
        executionDate: optional(fc.constantFrom('2020-01-01', '2999-01-01', '2026-02-30', 'tomorrow')),
        idempotencyKey: fc.oneof(fc.uuid(), crafted(fc.string({ maxLength: 200 }))),
      }),
    call: (api, input) => api.payments.initiate(input as never),
    foreign: (ctx) =>
      fc.record({
        skillId: fc.constant(ctx.paymentSkillId),
        debtorAccountId: foreignId(ctx, 'account'),
        creditor: fc.constant({ name: 'Ion Popescu', iban: 'RO10RZBR0000069999999970' }),
        amount: fc.constant('1.00'),
        currency: fc.constant('RON'),
        idempotencyKey: fc.uuid(),
      }),
  },
  'payments.get': {
    input: (ctx) => inputOf({ paymentId: anyId(ctx) }),
    call: (api, input) => api.payments.get(input as never),
    foreign: (ctx) => fc.record({ paymentId: foreignId(ctx, 'payment') }),
  },
  'payments.list': {
    input: () =>
      fc.oneof(
        fc.constant(undefined),
        inputOf({
          status: optional(fc.constantFrom('PENDING', 'SETTLED', 'settled', 'PAID')),
          cursor: optional(cursor),
          limit: optional(fc.integer({ min: -10, max: 1000 })),
        }),
      ),
    call: (api, input) => api.payments.list(input as never),
  },
  // No input and no ids; in-process callers have no event source, so the generator refuses at once.
  'sync.events': {
    input: () => hostile,
    call: async (api, input) => {
      for await (const _ of await api.sync.events(input as never)) break;
    },
  },
};

/**
 * Every string, cursor and date field of every procedure, each alone made unreadable inside an
 * otherwise valid input, so the value goes as far as validation lets it (SQL, Finqware): the
 * answer is a BAD_REQUEST naming that field. Random hostile inputs rarely get every other field
 * right; these always do.
 */
type Poisonable = {
  valid: (ctx: FuzzContext) => Record<string, unknown>;
  /** The field's path as the BAD_REQUEST names it → the values that must be refused there. */
  fields: Record<string, fc.Arbitrary<unknown>>;
};
const text = (maxLength: number) => poisoned(fc.string({ maxLength }));
const credentialsFields = { email: poisoned(fc.emailAddress()), password: poisoned(fc.constant(PASSWORD)) };
const datesFields = { from: impossibleDate, to: impossibleDate };
const POISONABLE: Record<string, Poisonable> = {
  'auth.register': {
    valid: () => ({ email: 'poison@example.com', password: PASSWORD }),
    fields: credentialsFields,
  },
  'auth.login': {
    valid: () => ({ email: 'poison@example.com', password: PASSWORD }),
    fields: credentialsFields,
  },
  'connect.submit': {
    valid: (ctx) => ({
      sessionId: ctx.own.session,
      stepId: ctx.own.step,
      values: { username: 'x', password: 'y' },
    }),
    fields: { 'values.username': text(100), 'values.password': text(100) },
  },
  'transactions.list': {
    valid: () => ({ limit: 10 }),
    fields: {
      search: text(100),
      cursor: fc.oneof(impossibleCursor, text(150)),
      minAmount: poisoned(decimal),
      maxAmount: poisoned(decimal),
      ...datesFields,
    },
  },
  'balances.history': { valid: (ctx) => ({ accountId: ctx.own.account }), fields: datesFields },
  'payments.initiate': {
    valid: (ctx) => ({
      skillId: ctx.paymentSkillId,
      debtorIban: 'RO03RZBR0000069999999999',
      creditor: { name: 'Ion Popescu', iban: 'RO10RZBR0000069999999970' },
      amount: '1.00',
      currency: 'RON',
      remittance: 'rent',
      idempotencyKey: 'poisoned-payment-key',
    }),
    fields: {
      debtorIban: text(40),
      'creditor.name': text(60),
      'creditor.iban': text(40),
      remittance: text(100),
      idempotencyKey: text(100),
    },
  },
  'payments.list': { valid: () => ({}), fields: { cursor: fc.oneof(impossibleCursor, text(150)) } },
  'insights.cashflow': {
    valid: () => ({ from: '2025-01-01', to: '2025-03-01', interval: 'month' }),
    fields: datesFields,
  },
  'insights.topCounterparties': {
    valid: () => ({ from: '2025-01-01', to: '2025-03-01' }),
    fields: datesFields,
  },
};

/** Sets `path` (dots for nesting) in a copy of `input`. */
function withField(input: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split('.') as [string, ...string[]];
  if (rest.length === 0) return { ...input, [head]: value };
  return {
    ...input,
    [head]: withField((input[head] ?? {}) as Record<string, unknown>, rest.join('.'), value),
  };
}

let h: Harness;
let owner: UserWithData;
let other: UserWithData;
let ctx: FuzzContext;

beforeAll(async () => {
  h = await createHarness({ sandbox: true });
  owner = await userWithData(h);
  other = await userWithData(h);
  const skills = await sql(h.em()).all<{ id: string }>('select id from skills');
  ctx = {
    own: owner.ids,
    other: other.ids,
    skillIds: skills.map((s) => String(s.id)),
    paymentSkillId: await h.skillId('rzb_ro_pisp_sbx_#1.0'),
  };
});
afterAll(() => h?.close());

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Field paths a BAD_REQUEST points at: zod issues (input validation) or the router's ErrorDetails. */
function issuePaths(err: TRPCError): string[] {
  const issues = (err.cause as { issues?: { path?: unknown }[] } | undefined)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.map((issue) =>
    Array.isArray(issue.path)
      ? issue.path
          .map((p) => String(typeof p === 'object' && p !== null ? (p as { key: unknown }).key : p))
          .join('.')
      : String(issue.path ?? ''),
  );
}

/** Runs one call and checks the invariants every call must keep. Returns the error code (or OK). */
async function check(
  path: string,
  spec: Spec,
  api: Caller,
  input: unknown,
  onError?: (err: TRPCError) => void,
): Promise<string> {
  const before = await snapshot(h);
  const logged = h.logs.length;
  let error: unknown;
  try {
    await spec.call(api, input);
  } catch (err) {
    error = err;
  }
  if (error === undefined) return 'OK';
  expect(error, `${path} threw a non-tRPC error`).toBeInstanceOf(TRPCError);
  const err = error as TRPCError;
  onError?.(err);
  const described = () => `${path}(${describeInput(input)}) → ${err.code}: ${err.message}`;
  expect(err.code, described()).not.toBe('INTERNAL_SERVER_ERROR');
  expect(
    h.logs.slice(logged).filter((l) => l.level === 'error'),
    described(),
  ).toEqual([]);
  if (err.code === 'BAD_REQUEST') {
    const paths = issuePaths(err);
    // A field is named, unless the input as a whole has the wrong shape (then there is no field to name).
    const namesField = paths.some((p) => p.length > 0);
    if (isRecord(input) || !namesField) {
      expect(namesField || !isRecord(input), `BAD_REQUEST without a field: ${described()}`).toBe(true);
    }
    expect(err.message.length, described()).toBeGreaterThan(0);
  }
  const after = await snapshot(h);
  for (const table of spec.mayWrite ?? []) {
    delete before[table];
    delete after[table];
  }
  expect(after, `a rejected call changed the database: ${described()}`).toEqual(before);
  return err.code;
}

function describeInput(input: unknown): string {
  try {
    const text = JSON.stringify(input, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    return text === undefined ? String(input) : text.length > 200 ? `${text.slice(0, 200)}…` : text;
  } catch {
    return String(input);
  }
}

/** Who makes a call: mostly the right caller, sometimes nobody or a forged bearer token. */
type Who = { kind: 'usual' } | { kind: 'anonymous' } | { kind: 'forged'; token: string };
const who: fc.Arbitrary<Who> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Who>({ kind: 'usual' }) },
  { weight: 1, arbitrary: fc.constant<Who>({ kind: 'anonymous' }) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(fc.base64String({ minLength: 16, maxLength: 80 }), fc.string({ maxLength: 300 }))
      .map((token): Who => ({ kind: 'forged', token: token.replace(/[\r\n]/g, '') })),
  },
);

async function apiFor(spec: Spec, caller: Who = { kind: 'usual' }): Promise<Caller> {
  if (caller.kind === 'anonymous') return h.caller();
  if (caller.kind === 'forged') return h.caller(caller.token);
  if (spec.as === 'anonymous') return h.caller();
  if (spec.as === 'disposable') return (await h.signUp()).api;
  return owner.api;
}

describe('fuzzing every procedure', () => {
  it('has a fuzz spec for every procedure of the router', () => {
    const procedures = Object.keys(appRouter._def.procedures).sort();
    expect(
      procedures.filter((p) => !(p in SPECS)),
      'procedures without fuzz coverage',
    ).toEqual([]);
    expect(
      Object.keys(SPECS).filter((p) => !procedures.includes(p)),
      'specs of removed procedures',
    ).toEqual([]);
  });

  for (const [path, spec] of Object.entries(SPECS)) {
    it(`${path}: hostile inputs never crash it, rejections name the field and change nothing`, async () => {
      const usual = await apiFor(spec);
      const codes = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(spec.input(ctx), who, async (input, caller) => {
          const api = caller.kind === 'usual' ? usual : await apiFor(spec, caller);
          const code = await check(path, spec, api, input);
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }),
        { numRuns: path.startsWith('auth.') ? 25 : 100, seed: Number(process.env.FUZZ_SEED ?? 20_251_125) },
      );
      if (process.env.FUZZ_VERBOSE) console.log(path, JSON.stringify([...codes]));
      // The property must have exercised rejection, or it proved nothing about it.
      expect(
        [...codes.keys()].some((c) => c !== 'OK'),
        `${path}: ${JSON.stringify([...codes])}`,
      ).toBe(true);
    });

    const { foreign } = spec;
    if (foreign) {
      it(`${path}: another user's ids (or unknown ids) are NOT_FOUND and change nothing`, async () => {
        await fc.assert(
          fc.asyncProperty(foreign(ctx), async (input) => {
            expect(await check(path, spec, owner.api, input)).toBe('NOT_FOUND');
          }),
          { numRuns: 15, seed: Number(process.env.FUZZ_SEED ?? 20_251_125) },
        );
      });
    }
  }

  for (const [path, poisonable] of Object.entries(POISONABLE)) {
    for (const [field, values] of Object.entries(poisonable.fields)) {
      it(`${path}: NUL bytes, lone surrogates and impossible dates in ${field} are a BAD_REQUEST naming it`, async () => {
        const spec = SPECS[path] as Spec;
        const api = await apiFor(spec);
        await fc.assert(
          fc.asyncProperty(values, async (value) => {
            const input = withField(poisonable.valid(ctx), field, value);
            let named: string[] = [];
            const code = await check(path, spec, api, input, (err) => {
              named = issuePaths(err);
            });
            expect(code, `${path}(${describeInput(input)})`).toBe('BAD_REQUEST');
            expect(named, `${path}(${describeInput(input)})`).toContain(field);
          }),
          { numRuns: 15, seed: Number(process.env.FUZZ_SEED ?? 20_251_125) },
        );
      });
    }
  }

  it('leaves both users’ data intact', async () => {
    const mine = await owner.api.consents.list();
    expect(mine.map((c) => [c.id, c.status])).toEqual([[owner.ids.consent, 'ACTIVE']]);
    const theirs = await other.api.consents.list();
    expect(theirs.map((c) => [c.id, c.status])).toEqual([[other.ids.consent, 'ACTIVE']]);
    expect((await other.api.transactions.list({ limit: 500 })).items).toHaveLength(30);
    expect(randomUUID()).not.toBe(owner.ids.consent);
  });
});
