import { mulberry32 } from '../../src/domain/random.js';
/**
 * Seeded randomness for the physics. Every model draws from its own stream, seeded from the
 * scenario seed and its asset id, so adding an asset never changes what the others draw.
 */

/** FNV-1a over the UTF-16 code units of `text`, mixed with `seed`: a 32-bit stream seed. */
export function deriveSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return mix32(h ^ Math.floor(seed / 0x100000000));
}

/** A 32-bit integer finaliser (murmur3 fmix32): nearby inputs give unrelated outputs. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A uniform number in [0, 1) that depends only on (`seed`, `index`): random access, so a value
 * held per interval does not depend on how the interval was stepped through.
 */
export function hashUnit(seed: number, index: number): number {
  const lo = index >>> 0;
  const hi = Math.floor(index / 0x100000000) >>> 0;
  return mix32(mix32(seed ^ lo) ^ Math.imul(hi ^ 0x9e3779b9, 0x27d4eb2f)) / 0x100000000;
}

/** mulberry32: a small, fast sequential PRNG (uniform in [0, 1)), fine for simulation noise. */
export class SeededRandom {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** A stream for asset `id` of a scenario seeded with `seed`. */
  static forAsset(seed: number, id: string): SeededRandom {
    return new SeededRandom(deriveSeed(seed, id));
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }
}
