import { createHash } from 'node:crypto';

/** murmur3's 32-bit finaliser: a bijection on uint32 with good avalanche, cheap enough for 1M rows. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Deterministic uint32 from (seed, index, salt); a bijection in `index` for a fixed seed and salt. */
export function hash32(seed: number, index: number, salt: number): number {
  return fmix32(fmix32((seed + Math.imul(index, 0x9e3779b1)) >>> 0) ^ Math.imul(salt + 1, 0x27d4eb2f));
}

/** Deterministic float in [0, 1). */
export function unit(seed: number, index: number, salt: number): number {
  return hash32(seed, index, salt) / 4_294_967_296;
}

/** Eight uint32 words from SHA-256 over the parts: seeds for the fast per-row hash. */
export function seedWords(...parts: (string | number)[]): number[] {
  const digest = createHash('sha256').update(parts.join('\u001f')).digest();
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(digest.readUInt32BE(i * 4));
  return words;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex8(n: number): string {
  return HEX[(n >>> 24) & 255]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;
}

/** UUID-shaped (version 4 bits set) string from four uint32 words. */
export function uuidFromWords(a: number, b: number, c: number, d: number): string {
  const b2 = (b & 0xffff0fff) | 0x4000;
  const c2 = (c & 0x3fffffff) | 0x80000000;
  const bh = hex8(b2);
  const ch = hex8(c2);
  return `${hex8(a)}-${bh.slice(0, 4)}-${bh.slice(4)}-${ch.slice(0, 4)}-${ch.slice(4)}${hex8(d)}`;
}

export function uuidFrom(...parts: (string | number)[]): string {
  const w = seedWords(...parts);
  return uuidFromWords(w[0]!, w[1]!, w[2]!, w[3]!);
}

/** Small seeded PRNG (mulberry32) for decisions that follow request order, e.g. faults. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
