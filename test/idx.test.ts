import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { FilterstudyError } from '../src/errors.ts';
import { parseIdx, readIdxFile } from '../src/data/idx.ts';
import { hashString, makeRng, mix32, permutation, shuffleInPlace } from '../src/rng.ts';
import { idxBytes as idx } from './helpers.ts';


/** Run fn, expect a FilterstudyError E_DATA whose message matches every pattern. */
function expectDataError(fn: () => unknown, ...patterns: (string | RegExp)[]): FilterstudyError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FilterstudyError);
  const fe = err as FilterstudyError;
  expect(fe.code).toBe('E_DATA');
  expect(fe.hint).toBeTruthy();
  for (const p of patterns) expect(fe.message).toMatch(p);
  return fe;
}

const tmp = mkdtempSync(join(tmpdir(), 'filterstudy-idx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('parseIdx', () => {
  it('parses an image file [2,2,3] and a label file', () => {
    const pixels = Array.from({ length: 12 }, (_, i) => i * 20);
    const a = parseIdx(idx([2, 2, 3], pixels), 'imgs');
    expect(a.dims).toEqual([2, 2, 3]);
    expect(Array.from(a.data)).toEqual(pixels);
    const l = parseIdx(idx([4], [5, 0, 4, 1]), 'lbls');
    expect(l.dims).toEqual([4]);
    expect(Array.from(l.data)).toEqual([5, 0, 4, 1]);
  });

  it('reads big-endian dims above 255', () => {
    const a = parseIdx(idx([300], new Uint8Array(300).fill(7)), 'big');
    expect(a.dims).toEqual([300]);
    expect(a.data.length).toBe(300);
  });

  it('rejects a wrong magic number, naming the file', () => {
    const b = idx([2], [1, 2]);
    b[0] = 1;
    expectDataError(() => parseIdx(b, 'bad-magic.idx'), 'bad-magic.idx', /magic/);
    const c = idx([2], [1, 2]);
    c[2] = 0x42; // not an IDX type at all
    expectDataError(() => parseIdx(c, 'bad-type-byte.idx'), 'bad-type-byte.idx', /magic/);
  });

  it('rejects unsupported element types', () => {
    const b = idx([2], [0, 0, 0, 0, 0, 0, 0, 0], 0x0d); // float32, 8 bytes = 2 floats
    expectDataError(() => parseIdx(b, 'floats.idx'), 'floats.idx', /unsupported/, /0x0d/);
  });

  it('rejects zero dims and a header cut short', () => {
    expectDataError(() => parseIdx(new Uint8Array([0, 0, 8, 0]), 'zero.idx'), 'zero.idx', /0 dimensions/);
    expectDataError(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0]), 'short.idx'), 'short.idx', /truncated/);
    expectDataError(() => parseIdx(new Uint8Array([0, 0]), 'tiny.idx'), 'tiny.idx', /truncated/);
  });

  it('rejects a truncated file with expected vs actual bytes', () => {
    const b = idx([3, 2, 2], new Uint8Array(12)).subarray(0, 4 + 12 + 10);
    expectDataError(() => parseIdx(b, 'cut.idx'), 'cut.idx', /truncated/, /need 28 bytes/, /has 26/);
  });

  it('rejects trailing bytes', () => {
    const b = idx([2], [1, 2, 3]); // one byte too many
    expectDataError(() => parseIdx(b, 'long.idx'), 'long.idx', /1 trailing bytes/);
  });

  it('works on a view with a byteOffset', () => {
    const inner = idx([3], [9, 8, 7]);
    const outer = new Uint8Array(inner.length + 5);
    outer.set(inner, 5);
    expect(Array.from(parseIdx(outer.subarray(5), 'v').data)).toEqual([9, 8, 7]);
  });
});

describe('readIdxFile', () => {
  const content = idx([2, 28, 28], Array.from({ length: 2 * 784 }, (_, i) => i % 256));

  it('reads raw and gzip files, detecting gzip by magic bytes not name', () => {
    const raw = join(tmp, 'raw-idx3-ubyte');
    const gz = join(tmp, 'x-idx3-ubyte.gz');
    const gzNoExt = join(tmp, 'gz-without-extension');
    writeFileSync(raw, content);
    writeFileSync(gz, gzipSync(content));
    writeFileSync(gzNoExt, gzipSync(content));
    for (const p of [raw, gz, gzNoExt]) {
      const a = readIdxFile(p);
      expect(a.dims).toEqual([2, 28, 28]);
      expect(a.data.constructor).toBe(Uint8Array); // a plain view, not a Node Buffer
      expect(Buffer.from(a.data).equals(Buffer.from(content.subarray(16)))).toBe(true);
    }
  });

  it('reports corrupt gzip, naming the file', () => {
    const gz = gzipSync(content);
    const p = join(tmp, 'corrupt.gz');
    writeFileSync(p, gz.subarray(0, gz.length - 20));
    expectDataError(() => readIdxFile(p), 'corrupt.gz', /corrupt gzip/);
  });

  it('parse errors inside a .gz name the .gz file', () => {
    const p = join(tmp, 'trailing.gz');
    writeFileSync(p, gzipSync(idx([1], [1, 2])));
    expectDataError(() => readIdxFile(p), 'trailing.gz', /trailing/);
  });

  it('reports a missing file', () => {
    expectDataError(() => readIdxFile(join(tmp, 'nope')), 'nope', /ENOENT/);
  });
});

describe('rng', () => {
  it('is deterministic per (seed, stream) and differs across seeds and streams', () => {
    const draw = (seed: number, stream: string) => {
      const r = makeRng(seed, stream);
      return Array.from({ length: 8 }, () => r.uint32());
    };
    expect(draw(1, 'a')).toEqual(draw(1, 'a'));
    expect(draw(1, 'a')).not.toEqual(draw(2, 'a'));
    expect(draw(1, 'a')).not.toEqual(draw(1, 'b'));
    expect(draw(0, 'a')).not.toEqual(draw(2 ** 32, 'a')); // high word of the seed counts
    expect(draw(-1, 'a')).not.toEqual(draw(2 ** 32 - 1, 'a'));
    for (const x of draw(7, 's')) expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
  });

  it('fillUint32 continues the same stream as uint32() (dropout masks use it)', () => {
    const one = makeRng(9, 'fill');
    const bulk = makeRng(9, 'fill');
    const expected = Array.from({ length: 1000 }, () => one.uint32());
    const got = Array.from(bulk.fillUint32(new Uint32Array(997)));
    got.push(...Array.from({ length: 3 }, () => bulk.uint32())); // state carried over
    expect(got).toEqual(expected);
  });

  it('pins the stream (changing the generator would silently change every study)', () => {
    const r = makeRng(42, 'pin');
    const got = Array.from({ length: 4 }, () => r.uint32());
    // Recomputed independently below with BigInt arithmetic; guards against uint32 slips.
    const M = (1n << 32n) - 1n;
    const mix = (x: bigint) => {
      x = (x ^ (x >> 16n)) & M;
      x = (x * 0x7feb352dn) & M;
      x = (x ^ (x >> 15n)) & M;
      x = (x * 0x846ca68bn) & M;
      return (x ^ (x >> 16n)) & M;
    };
    let a = mix(42n);
    let b = mix(0x9e3779b9n);
    let c = BigInt(hashString('pin'));
    let d = 1n;
    const step = () => {
      const t = (a + b + d) & M;
      d = (d + 1n) & M;
      a = b ^ (b >> 9n);
      b = (c + (c << 3n)) & M;
      c = ((c << 21n) | (c >> 11n)) & M;
      c = (c + t) & M;
      return t;
    };
    for (let i = 0; i < 16; i++) step();
    expect(got).toEqual(Array.from({ length: 4 }, () => Number(step())));
    expect(mix32(0)).toBe(0);
    expect(mix32(1)).toBe(Number(mix(1n)));
  });

  it('next() is in [0,1) and roughly uniform; int(n) is roughly uniform; normal() ~ N(0,1)', () => {
    const r = makeRng(3, 'uniform');
    const N = 100_000;
    const bins = new Array(10).fill(0);
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < N; i++) {
      const x = r.next();
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      bins[Math.floor(x * 10)]++;
      sum += x;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(0.01);
    // chi-square, 9 dof: p(chi2 > 27.9) = 0.001
    const chi2 = (obs: number[], e: number) => obs.reduce((s, o) => s + (o - e) ** 2 / e, 0);
    expect(chi2(bins, N / 10)).toBeLessThan(27.9);
    const ib = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) ib[r.int(7)]++;
    expect(chi2(ib, 10_000)).toBeLessThan(22.5); // 6 dof, p = 0.001
    let m = 0;
    let m2 = 0;
    for (let i = 0; i < N; i++) {
      const z = r.normal();
      m += z;
      m2 += z * z;
    }
    expect(Math.abs(m / N)).toBeLessThan(0.02);
    expect(Math.abs(m2 / N - 1)).toBeLessThan(0.03);
    expect(r.int(1)).toBe(0);
    expect(() => r.int(0)).toThrow(FilterstudyError);
    expect(() => makeRng(1.5, 'x')).toThrow(FilterstudyError);
  });

  it('shuffleInPlace / permutation give deterministic permutations', () => {
    const p1 = permutation(1000, makeRng(5, 'perm'));
    const p2 = permutation(1000, makeRng(5, 'perm'));
    expect(Array.from(p1)).toEqual(Array.from(p2));
    expect(Array.from(p1).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(permutation(1000, makeRng(6, 'perm')))).not.toEqual(Array.from(p1));
    const arr = ['a', 'b', 'c', 'd'];
    expect(shuffleInPlace(arr, makeRng(1, 's'))).toBe(arr);
    expect([...arr].sort()).toEqual(['a', 'b', 'c', 'd']);
    // Each of the 6 permutations of 3 items appears about equally often.
    const counts = new Map<string, number>();
    const r = makeRng(9, 'perm3');
    for (let i = 0; i < 6000; i++) {
      const k = shuffleInPlace([0, 1, 2], r).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});
