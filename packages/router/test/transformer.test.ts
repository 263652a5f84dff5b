import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { serialize } from '../src/transformer';

function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** Random values of every kind a procedure might return, including ones the fast path must hand over. */
function value(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 8 : 12));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return `s${Math.floor(random() * 100)}`;
    case 2:
      return Math.floor(random() * 1e6) / 100;
    case 3:
      return random() > 0.5;
    case 4:
      return new Date(Math.floor(random() * 2e12));
    case 5:
      return undefined;
    case 6:
      return [Number.NaN, Number.POSITIVE_INFINITY, -0, 1n, new Map([[1, 2]]), new Set([1])][
        Math.floor(random() * 6)
      ];
    case 7:
      return '12.3400';
    case 8:
    case 9:
      return Array.from({ length: Math.floor(random() * 4) }, () => value(random, depth + 1));
    default: {
      const keys = ['id', 'amount', 'bookingDate', 'a.b', 'items', 'x'];
      const out: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 4); i > 0; i--) {
        out[keys[Math.floor(random() * keys.length)] as string] = value(random, depth + 1);
      }
      return out;
    }
  }
}

describe('output transformer', () => {
  it('writes superjson’s JSON, and superjson reads back what superjson itself would, for any value', () => {
    const random = rng(42);
    for (let i = 0; i < 5000; i++) {
      const v = value(random, 0);
      const ours = serialize(v);
      const theirs = superjson.serialize(v);
      expect(ours.json).toEqual(theirs.json);
      expect(superjson.deserialize(ours as never)).toEqual(superjson.deserialize(theirs));
      // What travels is JSON text: superjson reads the walk's back as it reads its own.
      expect(superjson.deserialize(JSON.parse(JSON.stringify(ours)))).toEqual(
        superjson.deserialize(JSON.parse(JSON.stringify(theirs))),
      );
    }
  });

  it('writes the annotations of rows that differ in shape each with its own tree', () => {
    const rows = [
      { a: new Date(0), b: 'x' },
      { a: new Date(1), b: undefined },
      { a: new Date(2), b: 'y' },
      { a: 'not a date', b: undefined },
      { a: new Date(3) },
    ];
    const text = JSON.stringify(serialize({ rows }));
    expect(JSON.parse(text).meta.values).toEqual({
      rows: {
        0: { a: ['Date'] },
        1: { a: ['Date'], b: ['undefined'] },
        2: { a: ['Date'] },
        3: { b: ['undefined'] },
        4: { a: ['Date'] },
      },
    });
    expect(superjson.deserialize(JSON.parse(text))).toEqual({ rows });
  });

  it('annotates every Date of a page of rows, in superjson’s dotted form, and leaves the rows untouched', () => {
    const page = (n: number) => ({
      items: Array.from({ length: n }, (_, i) => ({
        id: `t${i}`,
        amount: '-1.50',
        bookingDate: new Date(Date.UTC(2025, 0, i + 1)),
        flags: [true, null, 'x'],
        nested: { at: new Date(i), note: undefined },
      })),
      nextCursor: 'c',
    });
    const three = page(3);
    const before = structuredClone(three);
    const out = serialize(three);
    expect(three).toEqual(before);
    expect(out.meta?.values).toEqual({
      items: Object.fromEntries(
        [0, 1, 2].flatMap((i) => [
          [`${i}.bookingDate`, ['Date']],
          [`${i}.nested.at`, ['Date']],
          [`${i}.nested.note`, ['undefined']],
        ]),
      ),
    });
    expect(out.json).toEqual(superjson.serialize(three).json);
    expect(superjson.deserialize(JSON.parse(JSON.stringify(out)))).toEqual(three);
    // Another page of the same length and shape: the same annotations, its own values.
    const other = page(3);
    other.items[1] = { ...other.items[1], bookingDate: new Date(Date.UTC(2030, 5, 6)) } as never;
    expect(superjson.deserialize(JSON.parse(JSON.stringify(serialize(other))))).toEqual(other);
  });

  it('writes arrays of rows that start alike and then differ as superjson does', () => {
    // Rows are checked against the first one's annotations: every way a later row can differ.
    const random = rng(7);
    const rowOf = (kind: number, i: number): Record<string, unknown> => {
      switch (kind) {
        case 0:
          return { id: i, at: new Date(i), nested: { on: new Date(i) } };
        case 1:
          return { id: i, at: new Date(i), nested: { on: 'not a date' } };
        case 2:
          return { id: i, at: null, nested: { on: new Date(i) } };
        case 3:
          return { id: i, at: new Date(i), nested: { on: new Date(i), off: undefined } };
        case 4:
          return { id: i, at: new Date(i), nested: [new Date(i)] };
        case 5:
          return { toString: { on: new Date(i) }, at: new Date(i), nested: { on: new Date(i) } };
        case 6:
          // A key Object.prototype also has, holding nothing to annotate.
          return { toString: { plain: i }, at: new Date(i), nested: { on: 'not a date' } };
        default:
          return { id: i, at: new Date(i), nested: { on: new Date(i) }, extra: new Date(i) };
      }
    };
    for (let n = 0; n < 2000; n++) {
      const length = 1 + Math.floor(random() * 6);
      const rows = Array.from({ length }, (_, i) => rowOf(random() < 0.6 ? 0 : Math.floor(random() * 8), i));
      const value = random() < 0.5 ? rows : { rows, more: [rows[0]] };
      const ours = serialize(value);
      expect(ours.json).toEqual(superjson.serialize(value).json);
      expect(superjson.deserialize(JSON.parse(JSON.stringify(ours)))).toEqual(value);
    }
  });

  it('round-trips a transactions page through superjson.deserialize', () => {
    const page = {
      items: [
        {
          id: 'a',
          amount: '-1.5000',
          bookingDate: new Date('2025-01-01T00:00:00.123Z'),
          description: undefined,
          category: null,
        },
      ],
      nextCursor: null,
    };
    expect(superjson.deserialize(serialize(page) as never)).toEqual(page);
  });
});

describe('Date wire format', () => {
  it('writes every instant as toISOString does, from year 0 to 9999 and beyond', () => {
    const random = rng(7);
    const edges = [
      0, -1, 1, 951_782_400_000, 946_684_799_999, -62_167_219_200_000, -62_167_219_200_001,
      253_402_300_799_999, 253_402_300_800_000, 8.64e15, -8.64e15,
    ];
    const times = [
      ...edges,
      ...Array.from({ length: 20_000 }, (_, i) =>
        Math.floor((random() * 2 - 1) * (i % 4 === 0 ? 8.64e15 : 2.6e14)),
      ),
    ];
    for (const t of times) {
      const date = new Date(t);
      const out = serialize({ at: date });
      expect((out.json as { at: string }).at).toBe(date.toISOString());
    }
  });
});
