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

describe('Wilcoxon signed-rank vs scipy (untied exact, approx) and vs enumeration (tied exact)', () => {
  for (const c of ref.wilcoxon) {
    it(`${c.name} ${c.alternative}${c.reference ? ` (${c.reference})` : ''}`, () => {
      const r = wilcoxon(c.d, undefined, { alternative: c.alternative as Alternative, method: c.method, correction: c.correction });
      expect(r.statistic).toBeCloseTo(c.statistic, 9);
      expect(r.p).toBeCloseTo(c.p, 10);
    });
  }
  it('auto: exact up to n = 50 with or without ties, approx above; paired form = differences', () => {
    expect(wilcoxon([1, 2, -3, 4, 5]).method).toBe('exact');
    expect(wilcoxon([1, 1, -3, 4, 5]).method).toBe('exact');
    expect(wilcoxon(Array.from({ length: 50 }, (_, i) => (i % 7) - 2.5)).method).toBe('exact');
    expect(wilcoxon(Array.from({ length: 51 }, (_, i) => (i % 7) - 2.5)).method).toBe('approx');
    const x = [3, 5, 2, 8, 9, 4];
    const y = [1, 1, 1, 1, 1, 1];
    expect(wilcoxon(x, y, { alternative: 'greater' }).p).toBeCloseTo(1 / 64, 15);
    // rank-biserial: all positive = 1
    expect(wilcoxon(x, y).rankBiserial).toBe(1);
  });
  it('6 seeds in agreement with one tie among |d|: exact p = 1/64 passes Holm over three claims', () => {
    // The normal approximation gave p = 0.0178 here (Holm 0.053): 6 seeds could never suffice.
    const d = [0.5, 0.5, 1.25, 2.0, 0.75, 3.5];
    const r = wilcoxon(d, undefined, { alternative: 'greater' });
    expect(r.method).toBe('exact');
    expect(r.p).toBe(1 / 64);
    expect(holm([r.p, 0.001, 0.002])[0]).toBeLessThan(0.05);
    expect(wilcoxon(d, undefined, { alternative: 'greater', method: 'approx' }).p).toBeGreaterThan(0.05 / 3);
  });
  it('zeros are dropped before ranking (a zero difference reduces n)', () => {
    const r = wilcoxon([0, 0.5, 0.5, 1.25, 0, 2.0, 0.75, 3.5], undefined, { alternative: 'greater' });
    expect(r.n).toBe(6);
    expect(r.p).toBe(1 / 64);
  });
  it('exact with ties equals brute-force enumeration of all 2^n sign patterns (n ≤ 20)', () => {
    const enumerate = (d: number[], alt: Alternative): number => {
      const nz = d.filter((v) => v !== 0);
      const rk = rankAverage(nz.map(Math.abs));
      const obs = nz.reduce((s, v, i) => s + (v > 0 ? rk[i] : 0), 0);
      let ge = 0;
      let le = 0;
      for (let mask = 0; mask < 2 ** nz.length; mask++) {
        let t = 0;
        for (let i = 0; i < nz.length; i++) if (mask & (1 << i)) t += rk[i];
        if (t >= obs - 1e-9) ge++;
        if (t <= obs + 1e-9) le++;
      }
      const tot = 2 ** nz.length;
      return alt === 'greater' ? ge / tot : alt === 'less' ? le / tot : Math.min(1, (2 * Math.min(ge, le)) / tot);
    };
    let state = 7;
    const rand = (): number => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const n of [3, 7, 12, 18]) {
      const d = Array.from({ length: n }, () => Math.round((rand() - 0.3) * 8) / 4); // coarse: many ties and some zeros
      for (const alt of ['two-sided', 'greater', 'less'] as const) {
        expect(wilcoxon(d, undefined, { alternative: alt, method: 'exact' }).p, `${n} ${alt}`).toBeCloseTo(enumerate(d, alt), 14);
      }
    }
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

describe('Clopper–Pearson and TOST vs scipy', () => {
  it('Clopper–Pearson interval = scipy binomtest().proportion_ci(method="exact")', async () => {
    const { clopperPearson } = await import('../src/stats/tests.ts');
    for (const c of ref.clopper_pearson) {
      const r = clopperPearson(c.k, c.n, c.level);
      expect(r.lo).toBeCloseTo(c.lo, 10);
      expect(r.hi).toBeCloseTo(c.hi, 10);
    }
    expect(() => clopperPearson(7, 6)).toThrow(/0 ≤ k ≤ n/);
  });

  it('TOST = two one-sided scipy ttest_1samp against ∓margin; its 90% t interval', async () => {
    const { tost, studentTQuantile } = await import('../src/stats/tests.ts');
    expect(studentTQuantile(0.975, 5)).toBeCloseTo(2.570581835636314, 9);
    for (const c of ref.tost) {
      const r = tost(c.d, c.margin);
      expect(r.pLower).toBeCloseTo(c.pLower, 10);
      expect(r.pUpper).toBeCloseTo(c.pUpper, 10);
      expect(r.p).toBeCloseTo(c.p, 10);
      expect(r.ci.lo).toBeCloseTo(c.lo90, 10);
      expect(r.ci.hi).toBeCloseTo(c.hi90, 10);
      expect(r.equivalent).toBe(c.p < 0.05);
    }
    // equal_n6 is equivalent, shifted_n6 (mean 0.005 = the margin) is not
    expect(ref.tost.map((c: { name: string }) => c.name)).toEqual(['equal_n6', 'shifted_n6', 'wide_n10']);
    expect(tost(ref.tost[0].d, 0.005).equivalent).toBe(true);
    expect(tost(ref.tost[1].d, 0.005).equivalent).toBe(false);
    expect(tost([0.001, 0.001, 0.001], 0.005)).toMatchObject({ p: 0, equivalent: true }); // no spread
    expect(() => tost([0.1], 0.005)).toThrow(/at least 2/);
  });
});
