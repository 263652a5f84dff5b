import superjson from 'superjson';

/**
 * superjson's wire format for what procedures return, written without superjson's walk.
 *
 * Why it exists: superjson.serialize takes every value through its registry of types, ~165 µs for
 * a page of 100 transactions on a quiet bench machine, half of what the bare baseline server
 * spends on a whole request; this walk takes ~40 µs for the same page, and tRPC calls it for every
 * result of every request, batched or not (docs/performance.md, "The output transformer";
 * bench/transformer.ts).
 *
 * What it does: plain objects, arrays, strings, finite numbers, booleans, null, undefined and
 * Dates are copied into the JSON superjson would write (Dates as ISO strings, undefined object
 * values as null), with the same annotations (see Tree and rowsTree). Anything else
 * (Map, BigInt, NaN, -0, class instances, an undefined array item, a Date at the root, a key with a
 * dot) is handed to superjson itself. Inputs are read by superjson, and clients use plain
 * superjson. test/transformer.test.ts compares it with superjson on random values; the api's
 * test/trpc-handler.test.ts serves a router with it against tRPC's own adapter.
 */
const FALLBACK: unique symbol = Symbol('fallback');

const DAY = 86_400_000;
/** Character codes: a digit, and the ISO separators. */
const ZERO = 48;
const [DASH, COLON, DOT, T, Z] = [45, 58, 46, 84, 90];
/**
 * Date.prototype.toISOString, three times faster (~150 ns against ~430 ns: a page of 100 rows
 * holds 100 Dates). Same output; years outside 0000–9999 (written ±YYYYYY) go to the original.
 * The string is made from its 24 character codes at once: a template literal of padded parts
 * leaves a tree of partial strings for JSON.stringify to flatten, ~10× the garbage.
 */
function isoString(date: Date): string {
  const t = date.getTime();
  if (!(t >= -62_167_219_200_000 && t <= 253_402_300_799_999)) return date.toISOString();
  const days = Math.floor(t / DAY);
  let ms = t - days * DAY;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(ms / 3_600_000);
  ms -= hours * 3_600_000;
  const minutes = Math.floor(ms / 60_000);
  ms -= minutes * 60_000;
  const seconds = Math.floor(ms / 1000);
  ms -= seconds * 1000;
  return String.fromCharCode(
    ZERO + Math.floor(year / 1000),
    ZERO + (Math.floor(year / 100) % 10),
    ZERO + (Math.floor(year / 10) % 10),
    ZERO + (year % 10),
    DASH,
    ZERO + Math.floor(month / 10),
    ZERO + (month % 10),
    DASH,
    ZERO + Math.floor(day / 10),
    ZERO + (day % 10),
    T,
    ZERO + Math.floor(hours / 10),
    ZERO + (hours % 10),
    COLON,
    ZERO + Math.floor(minutes / 10),
    ZERO + (minutes % 10),
    COLON,
    ZERO + Math.floor(seconds / 10),
    ZERO + (seconds % 10),
    DOT,
    ZERO + Math.floor(ms / 100),
    ZERO + (Math.floor(ms / 10) % 10),
    ZERO + (ms % 10),
    Z,
  );
}

/**
 * Annotations in superjson's nested form: { items: { 0: { bookingDate: ['Date'] } } }, which
 * superjson.deserialize reads exactly as the dotted { 'items.0.bookingDate': ['Date'] } that
 * superjson.serialize writes, without a new string key per Date. Arrays whose items are annotated
 * alike (a page of rows) get rowsTree's dotted object instead.
 */
type Tree = { [key: string]: Tree | Leaf };
type Leaf = readonly [string];
const DATE: Leaf = Object.freeze(['Date'] as const);
const UNDEFINED: Leaf = Object.freeze(['undefined'] as const);

/** A key superjson's path parser reads back unchanged (no dot or backslash), and not `__proto__`. */
function safeKey(key: string): boolean {
  return !key.includes('.') && !key.includes('\\') && key !== '__proto__';
}

/**
 * The annotation of the value the last copy call returned, or undefined when it needs none: a
 * module variable rather than a { json, tree } pair per value, which a page would allocate 200 of.
 */
let note: Tree | Leaf | undefined;

/**
 * The JSON of a value that needs no annotation (string, boolean, null, finite number), else
 * NOT_PLAIN. Most of a row's values are these: they are copied without allocating.
 */
const NOT_PLAIN: unique symbol = Symbol('not plain');
function plain(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0)) return value;
  return NOT_PLAIN;
}

/**
 * The JSON of `value` (its annotation in `note`), or FALLBACK when only superjson can write it.
 * `expect` is the annotation the value probably has (its array's first row's): when it has
 * exactly that, `note` is `expect` itself and no tree is built for it.
 */
function copyValue(value: unknown, expect: Tree | Leaf | undefined): unknown {
  const json = plain(value);
  note = undefined;
  if (json !== NOT_PLAIN) return json;
  if (typeof value !== 'object' || value === null) return FALLBACK;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return FALLBACK;
    note = DATE;
    return isoString(value);
  }
  if (Array.isArray(value)) {
    const out = copyArray(value);
    if (out !== FALLBACK && note && expect && note !== expect && sameTree(expect, note)) note = expect;
    return out;
  }
  return copyObject(value, expect === undefined || Array.isArray(expect) ? undefined : (expect as Tree));
}

function copyArray(value: unknown[]): unknown {
  // Whether every item has an annotation, the same as the first one's (rows of a page): while it
  // holds, items are checked against the first one's annotation instead of each building its own.
  let alike = value.length > 1;
  let first: Tree | Leaf | undefined;
  let tree: Tree | undefined;
  const out: unknown[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    const json = plain(item);
    if (json !== NOT_PLAIN) {
      out[i] = json;
      if (alike) tree = unalike(tree, first, i);
      alike = false;
      continue;
    }
    // superjson writes an undefined array item as null plus an annotation; leave that to it.
    if (item === undefined) return FALLBACK;
    const child = copyValue(item, first);
    if (child === FALLBACK) return FALLBACK;
    out[i] = child;
    const childNote = note;
    first ??= childNote;
    if (alike && (childNote === undefined || childNote !== first)) {
      tree = unalike(tree, first, i);
      alike = false;
    }
    if (!alike && childNote) {
      tree ??= {};
      tree[i] = childNote;
    }
  }
  note = alike && first ? rowsTree(value.length, first) : tree;
  return out;
}

/** The nested annotations of items 0…end-1 of an array, all annotated `first`, once they stop being alike. */
function unalike(tree: Tree | undefined, first: Tree | Leaf | undefined, end: number): Tree | undefined {
  if (!first || end === 0) return tree;
  const nested: Tree = tree ?? {};
  for (let i = 0; i < end; i++) nested[i] = first;
  return nested;
}

/** Two annotation trees with the same paths to the same types. */
function sameTree(a: Tree | Leaf, b: Tree | Leaf): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a[0] === b[0];
  }
  let count = 0;
  for (const key in a) {
    const other = (b as Tree)[key];
    if (other === undefined || !sameTree((a as Tree)[key] as Tree | Leaf, other)) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
}

/** `prefix.path` → type of every annotation in `tree`. */
function flatten(tree: Tree | Leaf, prefix: string, into: Record<string, Leaf>): void {
  if (Array.isArray(tree)) into[prefix] = tree as Leaf;
  else for (const key in tree) flatten((tree as Tree)[key] as Tree | Leaf, `${prefix}.${key}`, into);
}

/**
 * The annotations of `length` items annotated alike, in superjson's dotted form relative to the
 * array ({ '0.bookingDate': ['Date'], '1.bookingDate': … }), kept per length and item shape.
 *
 * Why: tRPC writes the response with one JSON.stringify, and V8 takes it off its fast path for
 * the whole response as soon as it meets an object with integer keys (the nested form's
 * { 0: …, 1: … }) or with properties added one by one past its fast-property limit (a dotted
 * form built per request): a page of 100 transactions then costs ~170 µs to stringify instead of
 * ~80. An object JSON.parse made keeps V8's fast representation; made once per shape, it costs
 * nothing per request. Pages come in few lengths and row shapes; the bound covers odd outputs.
 */
const ROWS_TREES = new Map<string, Tree>();
const ROWS_TREES_MAX = 256;
function rowsTree(length: number, item: Tree | Leaf): Tree {
  const one: Record<string, Leaf> = {};
  flatten(item, '', one);
  const paths = Object.keys(one);
  const key = `${length}${paths.map((path) => `${path}=${(one[path] as Leaf)[0]}`).join()}`;
  let tree = ROWS_TREES.get(key);
  if (!tree) {
    const all: Record<string, Leaf> = {};
    for (let i = 0; i < length; i++) for (const path of paths) all[`${i}${path}`] = one[path] as Leaf;
    tree = JSON.parse(JSON.stringify(all)) as Tree;
    if (ROWS_TREES.size < ROWS_TREES_MAX) ROWS_TREES.set(key, tree);
  }
  return tree;
}

/** How many annotated keys a tree has (its array's rows are checked against it, each row once). */
const KEY_COUNTS = new WeakMap<Tree, number>();
/** The last tree asked about: the rows of a page all ask about the same one. */
let lastTree: Tree | undefined;
let lastCount = 0;
function keyCount(tree: Tree): number {
  if (tree === lastTree) return lastCount;
  let count = KEY_COUNTS.get(tree);
  if (count === undefined) {
    count = Object.keys(tree).length;
    KEY_COUNTS.set(tree, count);
  }
  lastTree = tree;
  lastCount = count;
  return count;
}

function copyObject(value: object, expect: Tree | undefined): unknown {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return FALLBACK;
  let tree: Tree | undefined;
  // Annotated keys that matched `expect` so far; any other annotation, and the object is copied
  // again without it (rows of one page rarely differ).
  let matched = 0;
  // A row's values are mostly plain: the copy starts as a spread of the object (V8 clones an
  // object of one shape at once, where a store per key costs ~20 ns), and only the values that
  // JSON would not write as superjson does are replaced.
  const out: Record<string, unknown> = { ...value };
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (plain(item) !== NOT_PLAIN) continue;
    // Own keys only: `constructor` or `__proto__` of a row must not read Object.prototype's.
    const expected = expect && Object.hasOwn(expect, key) ? expect[key] : undefined;
    let itemNote: Tree | Leaf | undefined;
    if (item === undefined) {
      out[key] = null;
      itemNote = UNDEFINED;
    } else {
      const child = copyValue(item, expected);
      if (child === FALLBACK) return FALLBACK;
      out[key] = child;
      itemNote = note;
    }
    if (itemNote) {
      if (expect) {
        if (expected === itemNote) {
          matched++;
          continue;
        }
        return copyObject(value, undefined);
      }
      if (!safeKey(key)) return FALLBACK;
      tree ??= {};
      tree[key] = itemNote;
    }
  }
  if (expect) {
    if (matched !== keyCount(expect)) return copyObject(value, undefined);
    note = expect;
  } else note = tree;
  return out;
}

type Serialized = { json: unknown; meta?: { values: Tree; v: 1 } };

export function serialize(value: unknown): Serialized {
  // A Date at the root has no path to annotate; superjson marks it differently.
  const json = value instanceof Date ? FALLBACK : copyValue(value, undefined);
  if (json === FALLBACK) return superjson.serialize(value) as Serialized;
  return note ? { json, meta: { values: note as Tree, v: 1 } } : { json };
}

/** tRPC's transformer: inputs through superjson itself, outputs through the walk above. */
export const transformer = {
  input: superjson,
  output: { serialize, deserialize: superjson.deserialize.bind(superjson) },
};
