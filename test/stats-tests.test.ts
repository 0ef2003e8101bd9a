import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cohenDz, holm, normalQuantile, normalSf, rankAverage, signFlipTest, spearman, studentTSf, wilcoxon, type Alternative,
} from '../src/stats/tests.ts';

const ref = JSON.parse(readFileSync(new URL('./fixtures/stats-reference.json', import.meta.url), 'utf8'));

describe('distributions vs scipy', () => {
  it('normal sf/ppf and t sf', () => {
    for (const [z, p] of ref.dist.norm_sf) expect(normalSf(z)).toBeCloseTo(p, 12);
    for (const [p, z] of ref.dist.norm_ppf) expect(normalQuantile(p)).toBeCloseTo(z, 9);
    for (const [t, df, p] of ref.dist.t_sf) expect(studentTSf(t, df)).toBeCloseTo(p, 12);
  });
});

describe('Wilcoxon signed-rank vs scipy', () => {
  for (const c of ref.wilcoxon) {
    it(`${c.name} ${c.alternative}`, () => {
      const r = wilcoxon(c.d, undefined, { alternative: c.alternative as Alternative, method: c.method, correction: c.correction });
      expect(r.statistic).toBeCloseTo(c.statistic, 9);
      expect(r.p).toBeCloseTo(c.p, 10);
    });
  }
  it('auto picks exact without ties and approx with ties; paired form = differences', () => {
    expect(wilcoxon([1, 2, -3, 4, 5]).method).toBe('exact');
    expect(wilcoxon([1, 1, -3, 4, 5]).method).toBe('approx');
    const x = [3, 5, 2, 8, 9, 4];
    const y = [1, 1, 1, 1, 1, 1];
    expect(wilcoxon(x, y, { alternative: 'greater' }).p).toBeCloseTo(1 / 64, 15);
    // rank-biserial: all positive = 1
    expect(wilcoxon(x, y).rankBiserial).toBe(1);
  });
});

describe('sign-flip permutation test', () => {
  it('exact p for all-positive n = 6 is 1/64 (greater) and 2/64 (two-sided)', () => {
    const d = [0.5, 1.25, 0.125, 2.0, 0.75, 3.5];
    expect(signFlipTest(d, { alternative: 'greater' }).p).toBeCloseTo(1 / 64, 15);
    expect(signFlipTest(d).p).toBeCloseTo(2 / 64, 15);
    expect(signFlipTest(d, { alternative: 'less' }).p).toBeCloseTo(1, 15);
  });
  it('Monte Carlo agrees with exact enumeration', () => {
    const d = [0.3, -0.1, 0.5, 0.2, -0.4, 0.6, 0.1, 0.25, -0.05, 0.35, 0.15, -0.2];
    const exact = signFlipTest(d, { alternative: 'greater' }).p;
    const mc = signFlipTest(d, { alternative: 'greater', maxExact: 0, permutations: 40000, seed: 1 });
    expect(mc.exact).toBe(false);
    expect(Math.abs(mc.p - exact)).toBeLessThan(0.01);
  });
});

describe('effect sizes, Holm, Spearman', () => {
  it('Cohen d_z by hand', () => {
    // mean 2, sd 1 → 2
    expect(cohenDz([1, 2, 3])).toBeCloseTo(2, 15);
    expect(cohenDz([1, 1, 1])).toBeNull();
  });
  it('Holm by hand', () => {
    // sorted 0.01, 0.02, 0.04 → 0.03, 0.04, 0.04 (monotone)
    const a = holm([0.04, 0.01, 0.02]);
    expect(a[0]).toBeCloseTo(0.04, 15);
    expect(a[1]).toBeCloseTo(0.03, 15);
    expect(a[2]).toBeCloseTo(0.04, 15);
    expect(holm([0.5, 0.6])).toEqual([1, 1]);
  });
  it('average ranks', () => {
    expect(Array.from(rankAverage([10, 20, 10, 5]))).toEqual([2.5, 4, 2.5, 1]);
  });
  for (const c of ref.spearman) {
    it(`Spearman ${c.name} ${c.alternative} vs scipy`, () => {
      const r = spearman(c.x, c.y, c.alternative);
      expect(r.rho).toBeCloseTo(c.rho, 12);
      expect(r.p).toBeCloseTo(c.p, 10);
    });
  }
});
