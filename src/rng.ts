/**
 * Seeded pseudo-random numbers for everything that must be reproducible: the data split, the
 * pairing, weight initialisation and minibatch shuffling.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's "Small Fast Counting" generator, 128-bit state, from
 * PractRand, passes its test battery; plain uint32 arithmetic via `>>> 0` / `Math.imul`, so every
 * JS engine gives bit-identical streams). Math.random is never used.
 *
 * Seeding: `makeRng(seed, stream)` puts the low and high 32 bits of the integer seed and a 32-bit
 * hash of the stream name into three of the four state words (each through the bijective
 * `mix32`), the fourth is the counter. Hence, for a fixed stream, different seeds always give
 * different states, and one user-facing seed yields independent streams for independent
 * purposes ('data-split', 'init', 'batches', ...) without the purposes shifting each other:
 * drawing more numbers in one stream never changes another one.
 */
import { FilterstudyError } from './errors.ts';

export interface Rng {
  /** Uniform uint32 in [0, 2^32). */
  uint32(): number;
  /** Uniform float in [0, 1) with 32-bit resolution (k / 2^32). */
  next(): number;
  /** Uniform integer in [0, n), unbiased (rejection sampling); 1 <= n <= 2^32. */
  int(n: number): number;
  /** Standard normal N(0, 1) (Box–Muller, the second value of each pair is cached). */
  normal(): number;
  /** Fills `out` with the next out.length uint32 outputs (the same as calling uint32() each time, without boxing each number). */
  fillUint32(out: Uint32Array): Uint32Array;
}

/** Integer finaliser "lowbias32" (C. Wellons): a bijection on uint32 with strong avalanche. */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x;
}

/** 32-bit FNV-1a over the UTF-8 bytes of `s`, finalised with mix32 (FNV alone mixes the top bits poorly). */
export function hashString(s: string): number {
  const bytes = new TextEncoder().encode(s);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return mix32(h);
}

const TWO_32 = 4294967296;

/**
 * A generator for (seed, stream). `seed` is any safe integer (negative allowed); `stream` names
 * the purpose, e.g. makeRng(dataSeed, 'data-split').
 */
export function makeRng(seed: number, stream: string): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new FilterstudyError('E_CONFIG', `RNG seed must be a safe integer, got ${String(seed)}`, {
      hint: 'use a whole number such as 0, 1, 2, ...',
    });
  }
  // lo/hi = seed mod 2^32 and floor(seed / 2^32) mod 2^32: injective over the safe integers.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO_32) >>> 0;
  let a = mix32(lo);
  let b = mix32((hi ^ 0x9e3779b9) >>> 0);
  let c = hashString(stream);
  let d = 1; // sfc32 counter; guarantees a period of at least 2^32

  const uint32 = (): number => {
    // sfc32 step, all words kept as uint32.
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = (b ^ (b >>> 9)) >>> 0;
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  // Warm-up as recommended for sfc32 so nearby seeds diverge before the first output is used.
  for (let i = 0; i < 16; i++) uint32();

  const next = (): number => uint32() / TWO_32;

  const int = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) {
      throw new FilterstudyError('E_CONFIG', `rng.int(n) needs an integer 1 <= n <= 2^32, got ${String(n)}`);
    }
    // Reject the top partial block of [0, 2^32) so every residue is equally likely.
    const limit = TWO_32 - (TWO_32 % n);
    let u = uint32();
    while (u >= limit) u = uint32();
    return u % n;
  };

  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    // u1 in (0, 1] so log(u1) is finite.
    const u1 = (uint32() + 1) / TWO_32;
    const u2 = next();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };

  const fillUint32 = (out: Uint32Array): Uint32Array => {
    // The sfc32 step inlined into a typed-array loop, in int32 arithmetic (the bits are the same
    // as uint32's): several times faster than uint32() per element, whose return values above
    // 2^31 V8 must box. Used for dropout masks (~350k draws per step).
    let wa = a | 0;
    let wb = b | 0;
    let wc = c | 0;
    let wd = d | 0;
    for (let i = 0; i < out.length; i++) {
      const t = (((wa + wb) | 0) + wd) | 0;
      wd = (wd + 1) | 0;
      wa = wb ^ (wb >>> 9);
      wb = (wc + (wc << 3)) | 0;
      wc = (wc << 21) | (wc >>> 11);
      wc = (wc + t) | 0;
      out[i] = t;
    }
    a = wa >>> 0;
    b = wb >>> 0;
    c = wc >>> 0;
    d = wd >>> 0;
    return out;
  };

  return { uint32, next, int, normal, fillUint32 };
}

/** Any indexable mutable sequence: plain arrays and all typed arrays. */
export interface MutableSeq {
  length: number;
  [i: number]: unknown;
}

/** Fisher–Yates (Durstenfeld) shuffle; every permutation equally likely. Returns `arr`. */
export function shuffleInPlace<A extends MutableSeq>(arr: A, rng: Rng): A {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = arr[i];
    arr[i] = arr[j];
    arr[j] = tmp;
  }
  return arr;
}

/** A uniformly random permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return shuffleInPlace(p, rng);
}
