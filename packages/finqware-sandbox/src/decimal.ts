/** Exact money helpers: amounts live as integer cents; the wire carries 2-decimal strings. */

export function centsToString(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const frac = abs % 100;
  return `${sign}${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

/** A decimal as an exact rational: value = int / 10^scale. Accepts JSON numbers (incl. exponents) and strings. */
function parseDecimal(value: number | string): { int: bigint; scale: number } | undefined {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value.trim();
  const m =
    /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text) ??
    /^([+-]?)()\.(\d+)(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  const intDigits = m[2] ?? '';
  const fracDigits = m[3] ?? '';
  const exp = m[4] ? Number(m[4]) : 0;
  let digits = BigInt(`${intDigits}${fracDigits}` || '0');
  let scale = fracDigits.length - exp;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { int: sign * digits, scale };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/**
 * Turns an amount filter value into exact bounds in cents, so each row is a cheap integer compare:
 * `floor` = ⌊v·100⌋, `ceil` = ⌈v·100⌉, `exact` = v·100 when it is a whole number of cents.
 */
export function centsBounds(
  value: number | string,
): { floor: number; ceil: number; exact: number | null } | undefined {
  const d = parseDecimal(value);
  if (!d) return undefined;
  const num = d.int * 100n;
  const den = 10n ** BigInt(d.scale);
  const floor = floorDiv(num, den);
  const exact = num % den === 0n;
  const ceil = exact ? floor : floor + 1n;
  const clamp = (x: bigint) =>
    Number(
      x > 9_000_000_000_000_000n
        ? 9_000_000_000_000_000n
        : x < -9_000_000_000_000_000n
          ? -9_000_000_000_000_000n
          : x,
    );
  return { floor: clamp(floor), ceil: clamp(ceil), exact: exact ? clamp(floor) : null };
}

/** Parses a positive decimal string with at most 2 decimals (sandbox form input), to cents. */
export function parseAmountInput(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return undefined;
  const cents = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return cents > 0 ? cents : undefined;
}
