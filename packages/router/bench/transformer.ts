/**
 * What writing a page of 100 transactions costs, as tRPC writes a batch response with it: the
 * output transformer, then one JSON.stringify of tRPC's envelope. superjson as shipped against
 * the project's transformer (src/transformer.ts), and the parts the transformer's reasons rest on.
 * No database, no HTTP; rounds interleaved, medians printed.
 *   pnpm --filter @tenant/router exec tsx --conditions=@tenant/source bench/transformer.ts
 */
import superjson from 'superjson';
import { serialize } from '../src/transformer';

const ROUNDS = 9;
const CALLS = 3_000;

const page = {
  items: Array.from({ length: 100 }, (_, i) => ({
    id: crypto.randomUUID(),
    accountId: crypto.randomUUID(),
    status: 'booked',
    amount: '-12.34',
    creditDebitIndicator: 'debit',
    currency: 'RON',
    bookingDate: new Date(1_700_000_000_000 + i * 10_000_000),
    balanceAfter: null,
    description: 'Card payment',
    counterparty: 'Lidl',
    category: null,
  })),
  nextCursor: 'MjAyNi0wMS0wMVQwMDowMDowMC4wMDAwMDBa',
};
const dates = page.items.map((item) => item.bookingDate);
// The nested form's annotations ({ items: { 0: …, 1: … } }): integer keys on a plain object.
const nested = {
  json: serialize(page).json,
  meta: { values: { items: Object.fromEntries(dates.map((_, i) => [i, { bookingDate: ['Date'] }])) }, v: 1 },
};

const cases: Record<string, () => unknown> = {
  'superjson.serialize': () => superjson.serialize(page),
  'transformer serialize': () => serialize(page),
  'response text, superjson': () => JSON.stringify([{ result: { data: superjson.serialize(page) } }]),
  'response text, transformer': () => JSON.stringify([{ result: { data: serialize(page) } }]),
  'JSON.stringify, nested-form annotations': () => JSON.stringify([{ result: { data: nested } }]),
  '100 × Date#toISOString': () => dates.map((date) => date.toISOString()),
};

function microseconds(run: () => unknown): number {
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) run();
  return ((performance.now() - started) * 1000) / CALLS;
}

for (const run of Object.values(cases)) for (let i = 0; i < 1_000; i++) run();
const samples = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(cases)) samples.get(name)?.push(microseconds(run));
}
console.log(`bench/transformer — a page of 100 transactions, median of ${ROUNDS} rounds of ${CALLS} calls`);
for (const [name, values] of samples) {
  const median = [...values].sort((a, b) => a - b)[ROUNDS >> 1] as number;
  console.log(`  ${name.padEnd(42)} ${median.toFixed(1).padStart(7)} µs`);
}
