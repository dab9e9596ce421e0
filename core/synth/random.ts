// Small, fast, seeded randomness for the synthetic generator. Everything derives from 32-bit
// hashes so that any person or episode can be computed on its own (no shared sequential state),
// which is what makes day D's file computable without simulating days 1..D-1.

/** 32-bit FNV-1a hash of a string, finalised with an avalanche step. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Murmur3's finaliser: spreads every input bit over the whole word. */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines a hash with further integers, order-sensitive (hash(a, b) ≠ hash(b, a)). */
export function mix32(seed: number, ...values: number[]): number {
  let h = seed >>> 0;
  for (const v of values) {
    h = fmix32((h ^ Math.imul(v >>> 0, 0x9e3779b1)) + 0x7f4a7c15);
  }
  return h;
}

/** The seed option (string or number) as a 32-bit hash; 42 and '42' are the same seed. */
export function seedHash(seed: string | number): number {
  return hashString(`qdp-synth:${String(seed)}`);
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast counting generator): 128 bits of state, so that the
 * streams of distinct (seed, slot, episode) keys do not collide as 32-bit seeds would.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b = 0, c = 0, d = 0) {
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = (d ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

/** Picks by weight in O(log n) with a precomputed cumulative table. */
export class WeightedPicker<T> {
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(
    private readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) {
      throw new Error('a weighted picker needs as many weights as items, and at least one item');
    }
    this.cumulative = new Float64Array(items.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
    this.total = sum;
  }

  /** Maps a uniform number in [0, 1) to an item. */
  at(uniform: number): T {
    const target = uniform * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo] as T;
  }

  pick(rng: Rng): T {
    return this.at(rng.next());
  }
}
