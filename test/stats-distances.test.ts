import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  chamferDistance, collisions, distanceMatrix, filterSimilarity, hungarian, matchedDistance, nearest, nearestOther,
} from '../src/stats/distances.ts';
import { crossSeed, glorotFilters, glorotLimit, trainedVsFreshGlorot, withinCnnNearest } from '../src/stats/baselines.ts';
import { makeRng } from '../src/rng.ts';

const ref = JSON.parse(readFileSync(new URL('./fixtures/stats-reference.json', import.meta.url), 'utf8'));

const rand = (f: number, d: number, seed: number): Float32Array[] => {
  const rng = makeRng(seed, 'test');
  return Array.from({ length: f }, () => Float32Array.from({ length: d }, () => rng.next() - 0.5));
};

describe('distance matrix and S_i', () => {
  it('S(F, F) = 0 with argmin = identity, for every variant', () => {
    const F = rand(16, 9, 1);
    for (const v of ['raw', 'unit', 'signflip', 'unit-signflip'] as const) {
      const r = filterSimilarity(F, F, v);
      for (const s of r.s) expect(s).toBeCloseTo(0, 7);
      expect(Array.from(r.argmin)).toEqual(Array.from({ length: 16 }, (_, i) => i));
      expect(r.collisions).toBe(0);
    }
  });

  it('hand-computed 2×2 case', () => {
    const a = [[0, 0], [3, 4]];
    const b = [[0, 1], [6, 8]];
    const e = distanceMatrix(a, b);
    expect(Array.from(e.data)).toEqual([1, 10, Math.sqrt(9 + 9), 5]);
    const r = filterSimilarity(a, b);
    expect(Array.from(r.s)).toEqual([1, Math.sqrt(18)]); // [3,4] is nearer to [0,1] than to [6,8]
    expect(Array.from(r.argmin)).toEqual([0, 0]);
    expect(r.collisions).toBe(1);
    // flat matrix input gives the same
    expect(Array.from(distanceMatrix({ rows: 2, cols: 2, data: [0, 0, 3, 4] }, b).data)).toEqual(Array.from(e.data));
  });

  it('is invariant to permuting the other set (S) and permutes with the ref set', () => {
    const F = rand(16, 9, 2);
    const G = rand(16, 9, 3);
    const perm = [5, 3, 0, 1, 15, 2, 4, 6, 7, 14, 8, 9, 13, 10, 11, 12];
    const Gp = perm.map((p) => G[p]);
    const Fp = perm.map((p) => F[p]);
    const s = filterSimilarity(F, G).s;
    expect(Array.from(filterSimilarity(F, Gp).s)).toEqual(Array.from(s));
    expect(Array.from(filterSimilarity(Fp, G).s)).toEqual(perm.map((p) => s[p]));
  });

  it('matches scipy cdist min/argmin', () => {
    const r = filterSimilarity(ref.cdist.A, ref.cdist.B);
    r.s.forEach((v, i) => expect(v).toBeCloseTo(ref.cdist.s[i], 12));
    expect(Array.from(r.argmin)).toEqual(ref.cdist.argmin);
    const e = distanceMatrix(ref.cdist.A, ref.cdist.B);
    expect(e.data[0]).toBeCloseTo(ref.cdist.E00, 12);
  });

  it('scale-aware variants: unit ignores scale, signflip ignores sign', () => {
    const F = rand(16, 9, 4);
    const scaled = F.map((f, i) => f.map((v) => v * (i + 1) * 0.3));
    const negated = F.map((f, i) => (i % 2 ? f.map((v) => -v) : f));
    expect(filterSimilarity(F, scaled, 'raw').meanS).toBeGreaterThan(0.1);
    expect(filterSimilarity(F, scaled, 'unit').meanS).toBeCloseTo(0, 6);
    expect(filterSimilarity(F, negated, 'raw').meanS).toBeGreaterThan(0.1);
    expect(filterSimilarity(F, negated, 'signflip').meanS).toBeCloseTo(0, 6);
    const both = scaled.map((f, i) => (i % 3 ? f : f.map((v) => -v)));
    expect(filterSimilarity(F, both, 'unit-signflip').meanS).toBeCloseTo(0, 6);
    // unit distance between orthogonal unit vectors is sqrt(2); opposite: 2, with signflip: 0
    expect(distanceMatrix([[1, 0]], [[0, 5]], 'unit').data[0]).toBeCloseTo(Math.SQRT2, 12);
    expect(distanceMatrix([[1, 0]], [[-3, 0]], 'unit').data[0]).toBeCloseTo(2, 12);
    expect(distanceMatrix([[1, 0]], [[-3, 0]], 'unit-signflip').data[0]).toBeCloseTo(0, 12);
  });

  it('collisions count shared nearest neighbours; chamfer is symmetric', () => {
    expect(collisions([0, 0, 1, 1, 1, 2])).toBe(3);
    const F = [[0, 0], [0.1, 0], [0.2, 0]];
    const G = [[0, 0], [5, 5], [9, 9]];
    expect(filterSimilarity(F, G).collisions).toBe(2);
    const A = rand(16, 9, 5);
    const B = rand(16, 9, 6);
    expect(chamferDistance(A, B).chamfer).toBeCloseTo(chamferDistance(B, A).chamfer, 12);
  });

  it('nearestOther excludes the diagonal', () => {
    const r = nearestOther([[0, 0], [1, 0], [3, 0]]);
    expect(Array.from(r.s)).toEqual([1, 1, 2]);
    expect(Array.from(r.argmin)).toEqual([1, 0, 1]);
  });
});

describe('Hungarian', () => {
  const brute = (c: number[][]): number => {
    const n = c.length;
    const m = c[0].length;
    let best = Infinity;
    const used = new Array(m).fill(false);
    const rec = (i: number, acc: number): void => {
      if (i === n) return void (best = Math.min(best, acc));
      for (let j = 0; j < m; j++) if (!used[j]) { used[j] = true; rec(i + 1, acc + c[i][j]); used[j] = false; }
    };
    rec(0, 0);
    return best;
  };
  it('equals brute force on random small matrices (square and rectangular)', () => {
    const rng = makeRng(7, 'hung');
    for (let t = 0; t < 60; t++) {
      const n = 1 + rng.int(6);
      const m = n + rng.int(3);
      const c = Array.from({ length: n }, () => Array.from({ length: m }, () => Math.round(rng.next() * 20) / 4));
      const h = hungarian({ rows: n, cols: m, data: Float64Array.from(c.flat()) });
      expect(new Set(h.assignment).size).toBe(n);
      expect(h.total).toBeCloseTo(brute(c), 10);
    }
  });
  it('equals scipy linear_sum_assignment', () => {
    for (const c of ref.lsa) {
      const rows = c.cost.length;
      const cols = c.cost[0].length;
      const h = hungarian({ rows, cols, data: Float64Array.from(c.cost.flat()) });
      expect(h.total).toBeCloseTo(c.total, 10);
      expect(Array.from(h.assignment)).toEqual(c.assignment);
    }
  });
  it('matched distance is 0 for a permuted copy and ≥ mean S', () => {
    const F = rand(16, 9, 8);
    const perm = [...Array(16).keys()].reverse();
    expect(matchedDistance(F, perm.map((p) => F[p])).total).toBeCloseTo(0, 10);
    expect(Array.from(matchedDistance(F, perm.map((p) => F[p])).assignment)).toEqual(perm);
    const G = rand(16, 9, 9);
    expect(matchedDistance(F, G).mean).toBeGreaterThanOrEqual(filterSimilarity(F, G).meanS - 1e-12);
    expect(nearest(distanceMatrix(F, G)).s.length).toBe(16);
  });
});

describe('baselines', () => {
  it('glorot limit and draws stay within it', () => {
    expect(glorotLimit(3, 16)).toBeCloseTo(Math.sqrt(6 / (9 + 144)), 15);
    const g = glorotFilters(3, 16, makeRng(1, 'x'));
    const lim = glorotLimit(3, 16);
    for (const f of g) for (const v of f) expect(Math.abs(v)).toBeLessThanOrEqual(lim);
  });
  it('fresh-draw baseline is seeded and positive; within-CNN and cross-seed baselines', () => {
    const F = glorotFilters(3, 16, makeRng(2, 'y'));
    const a = trainedVsFreshGlorot(F, 3, { seed: 3, draws: 5 });
    expect(Array.from(trainedVsFreshGlorot(F, 3, { seed: 3, draws: 5 }))).toEqual(Array.from(a));
    for (const v of a) expect(v).toBeGreaterThan(0);
    expect(withinCnnNearest(F).length).toBe(16);
    const cs = crossSeed(new Map([[1, F], [2, F], [3, rand(16, 9, 1)]]));
    expect(cs.pairs.map((p) => [p.a, p.b])).toEqual([[1, 2], [1, 3], [2, 3]]);
    expect(cs.pairs[0].s).toBe(0);
  });
});
