import { describe, expect, it } from 'vitest';
import { bootstrapCI, hierarchicalBootstrap, percentileInterval, quantileSorted } from '../src/stats/bootstrap.ts';
import { makeRng } from '../src/rng.ts';

describe('bootstrap', () => {
  it('type-7 quantiles like numpy', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    const ci = percentileInterval([5, 1, 3, 2, 4], 0.5);
    expect([ci.lo, ci.hi]).toEqual([2, 4]);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const groups = [[1, 2, 3], [2, 3, 4], [5, 6, 7], [0, 1, 1]];
    const a = hierarchicalBootstrap([groups], undefined, { seed: 1, reps: 500 });
    const b = hierarchicalBootstrap([groups], undefined, { seed: 1, reps: 500 });
    const c = hierarchicalBootstrap([groups], undefined, { seed: 2, reps: 500 });
    expect(a.ci).toEqual(b.ci);
    expect(a.ci).not.toEqual(c.ci);
    expect(a.estimate).toBeCloseTo((2 + 3 + 6 + 2 / 3) / 4, 12);
    expect(a.ci.lo!).toBeLessThan(a.estimate);
    expect(a.ci.hi!).toBeGreaterThan(a.estimate);
  });

  it('difference of paired comparisons: identical inputs give a CI of 0', () => {
    const groups = [[1, 2], [3, 4], [5, 9]];
    const d = hierarchicalBootstrap([groups, groups], (m) => m[0] - m[1], { reps: 200, withinGroups: false });
    expect(d.ci.lo).toBe(0);
    expect(d.ci.hi).toBe(0);
  });

  it('one seed: no interval', () => {
    const r = hierarchicalBootstrap([[[1, 2, 3]]], undefined, { reps: 50 });
    expect(r.ci.lo).toBeNull();
  });

  it('coverage sanity: hierarchical percentile CI covers the true mean ≈ 95% (10 seeds)', () => {
    const rng = makeRng(11, 'coverage');
    let cover = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      // seed effect N(0, 1) + filter noise N(0, 1), 10 seeds × 16 filters; true mean 0
      const groups = Array.from({ length: 10 }, () => {
        const u = rng.normal();
        return Array.from({ length: 16 }, () => u + rng.normal());
      });
      const r = hierarchicalBootstrap([groups], undefined, { seed: t, reps: 400 });
      if (r.ci.lo! <= 0 && r.ci.hi! >= 0) cover++;
    }
    // the two-stage bootstrap is slightly conservative for this design; percentile slightly
    // liberal at n = 10: accept 85–99 %
    expect(cover / trials).toBeGreaterThan(0.85);
    expect(cover / trials).toBeLessThan(0.995);
  });

  it('BCa and percentile one-level CIs bracket the mean; BCa coverage sanity', () => {
    const rng = makeRng(12, 'bca');
    let cover = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const x = Array.from({ length: 15 }, () => rng.normal() + 1);
      const r = bootstrapCI(x, undefined, { seed: t, reps: 500, method: 'bca' });
      expect(r.ci.method).toBe('bca');
      if (r.ci.lo! <= 1 && r.ci.hi! >= 1) cover++;
    }
    expect(cover / trials).toBeGreaterThan(0.85);
    const p = bootstrapCI([1, 2, 3, 4, 5], undefined, { method: 'percentile', reps: 500 });
    expect(p.ci.lo!).toBeLessThan(3);
    expect(p.ci.hi!).toBeGreaterThan(3);
  });
});

describe('paired hierarchical bootstrap (issue 17, item 3)', () => {
  const rng = makeRng(5, 'test-paired');
  const groups = Array.from({ length: 6 }, () => Float64Array.from({ length: 32 }, () => rng.next()));
  const shifted = groups.map((g, s) => g.map((v) => v + 0.01 * s));

  it('a per-seed difference that is 0 in every seed gets a zero-width CI; resampled separately it does not', () => {
    const paired = hierarchicalBootstrap([groups, groups.map((g) => g.slice())], (m) => m[0] - m[1], { reps: 300, paired: true });
    expect([paired.ci.lo, paired.ci.hi]).toEqual([0, 0]);
    const apart = hierarchicalBootstrap([groups, groups.map((g) => g.slice())], (m) => m[0] - m[1], { reps: 300 });
    expect(apart.ci.hi! - apart.ci.lo!).toBeGreaterThan(0.02);
  });

  it('a constant shift within each seed is resampled as the shift: the CI is the seed-level one', () => {
    const r = hierarchicalBootstrap([shifted, groups], (m) => m[0] - m[1], { reps: 300, paired: true });
    expect(r.estimate).toBeCloseTo(0.025, 12);
    expect(r.ci.lo!).toBeGreaterThanOrEqual(0);
    expect(r.ci.hi!).toBeLessThanOrEqual(0.05 + 1e-12);
  });

  it('paired comparisons must have equal sizes within each seed', () => {
    expect(() => hierarchicalBootstrap([groups, groups.map((g) => g.subarray(1))], (m) => m[0] - m[1], { paired: true })).toThrow(/paired comparisons/);
  });
});
