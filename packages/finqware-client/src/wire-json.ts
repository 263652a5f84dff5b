/**
 * Our own compact JSON writer, for two reasons `JSON.stringify` cannot serve:
 * - amount filters are JSON numbers on the wire but must stay exact decimals, so a decimal string wrapped in
 *   `RawNumber` is written as a raw number token (no float round-trip);
 * - the /v1s body digest (§2.5) must be identical whether Finqware hashes the bytes it received or
 *   re-serialises them Python-style (`ensure_ascii`), so every non-ASCII code unit is written as \uXXXX.
 * Keys keep insertion order, which is the order that is hashed and sent.
 */

const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;

export class RawNumber {
  readonly token: string;
  constructor(token: string) {
    if (!DECIMAL.test(token)) throw new TypeError(`not a plain decimal number: ${JSON.stringify(token)}`);
    this.token = token;
  }
}

export function isPlainDecimal(value: string): boolean {
  return DECIMAL.test(value);
}

function escapeNonAscii(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function toWireJson(value: unknown): string {
  if (value instanceof RawNumber) return value.token;
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return escapeNonAscii(JSON.stringify(value));
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('cannot send a non-finite number');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((v) => (v === undefined ? 'null' : toWireJson(v))).join(',')}]`;
      const parts: string[] = [];
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined) continue;
        parts.push(`${escapeNonAscii(JSON.stringify(key))}:${toWireJson(v)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`cannot send a ${typeof value} as JSON`);
  }
}
