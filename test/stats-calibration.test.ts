/**
 * Calibration of the whole verdict procedure by simulation (issue #7, item 7): whole synthetic
 * studies (src/stats/simulate.ts) in which each claim is false or true by construction, analysed
 * by analyzeStudy. Seeded: every number here is the same on every run and machine. The power
 * table in src/stats/README.md comes from bench/calibration.ts (more replicates).
 */
import { describe, expect, it } from 'vitest';
import { bootstrapCI } from '../src/stats/bootstrap.ts';
import { calibrate, SCENARIOS, simulateStudy } from '../src/stats/simulate.ts';
import { incompleteBeta } from '../src/stats/tests.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';

const ALPHA = 0.05;
const R = 200; // replicate studies per (scenario, seeds)
const fast = { reps: 200, freshDraws: 3 };

/** P(X ≥ k) for X ~ Binomial(n, p): the regularised incomplete beta I_p(k, n − k + 1). */
const binomSf = (k: number, n: number, p: number): number => (k <= 0 ? 1 : incompleteBeta(p, k, n - k + 1));
/** Largest count still consistent with a rate ≤ p: P(X > max) < 0.001 when the true rate is p. */
function maxCount(n: number, p: number): number {
  let k = 0;
  while (binomSf(k + 1, n, p) >= 0.001) k++;
  return k;
}
/** Smallest count consistent with a rate ≥ p: P(X < min) < 0.001. */
function minCount(n: number, p: number): number {
  let k = n;
  while (1 - binomSf(k - 1, n, p) >= 0.001) k--;
  return k;
}

describe('binomial tolerances', () => {
  it('are those of Binomial(200, 0.05) and Binomial(200, 0.95) at the 0.001 level', () => {
    expect(maxCount(R, ALPHA)).toBe(21); // mean 10: a procedure at 12 % false "supported" fails
    expect(binomSf(22, R, ALPHA)).toBeLessThan(0.001);
    expect(binomSf(21, R, 0.12)).toBeGreaterThan(0.5);
    expect(minCount(R, 0.95)).toBe(180);
  });
});

describe('false claims come out SUPPORTED at most at rate α', () => {
  // In 'null-1-3' claims 1 and 3 are false while 2 and 4 are true (Holm then tests the false ones
  // at its most lenient steps); in 'null-2-3-4' claims 2–4 are false and 1 true.
  for (const n of [6, 10, 20]) {
    it(`${n} seeds, ${R} studies per scenario`, () => {
      const a = calibrate('null-1-3', n, R, fast, 10_000 * n);
      const b = calibrate('null-2-3-4', n, R, fast, 20_000 * n);
      const falseSupported = { 1: a.supported[0], 3: a.supported[2], 2: b.supported[1], '3 (with claim 2 false)': b.supported[2], 4: b.supported[3] };
      for (const [claim, count] of Object.entries(falseSupported)) expect(count, `claim ${claim}`).toBeLessThanOrEqual(maxCount(R, ALPHA));
      // the true claims in the same studies are found (the procedure is not just silent)
      expect(a.supported[1]).toBeGreaterThan(R / 2);
      if (n >= 10) expect(b.supported[0]).toBeGreaterThan(R / 2);
    }, 300_000);
  }

  it('the check can fail: the same count for a looser procedure (α = 0.5, 50 % CIs) exceeds the tolerance', () => {
    const loose = calibrate('null-1-3', 6, R, { ...fast, alpha: 0.5, level: 0.5 }, 10_000 * 6);
    expect(loose.supported[0]).toBeGreaterThan(maxCount(R, ALPHA));
  }, 300_000);
});

describe("issue #7's studies: claim 2 never SUPPORTED", () => {
  const M = 50;
  for (const n of [6, 20]) {
    it(`near-identical filters (CNN2 = CNN1 permuted + N(0, 0.02²)), ${n} seeds: NOT SUPPORTED`, () => {
      const c = calibrate('near-identical', n, M, fast, 30_000 * n);
      expect(c.supported[1]).toBe(0);
      expect(c.notSupported[1]).toBeGreaterThanOrEqual(0.9 * M);
    }, 300_000);

    it(`filters that barely left their initialisation, ${n} seeds: not decided`, () => {
      const c = calibrate('barely-moved', n, M, fast, 40_000 * n);
      expect(c.supported[1]).toBe(0);
      const st = analyzeStudy(simulateStudy(SCENARIOS['barely-moved'], n, 1), { ...fast, descriptive: false });
      expect(st.claims[1].numbers.filtersMoved).toBe(false);
      expect(st.claims[1].notes.join(' ')).toMatch(/barely left their initialisation/);
    }, 300_000);
  }
});

describe('CI coverage at 6 seeds (every claim true, known effects)', () => {
  it('the effects’ 95% CIs cover the true effect at least 90 % of the time; plain BCa would not', () => {
    // True values: claims 1 and 4 by construction; claims 2 and 3 from one 600-seed study.
    const big = analyzeStudy(simulateStudy(SCENARIOS['all-true'], 600, 999), { reps: 20, freshDraws: 3, descriptive: false });
    const truth = [0.02, big.claims[1].effect!.estimate, big.claims[2].effect!.estimate, -0.1];
    const cover = [0, 0, 0, 0];
    let plain = 0;
    for (let r = 0; r < R; r++) {
      const st = analyzeStudy(simulateStudy(SCENARIOS['all-true'], 6, 50_000 + r), { reps: 1000, freshDraws: 3, descriptive: false, bootstrapSeed: r });
      st.claims.forEach((c, i) => {
        const ci = c.effect!.ci;
        if (ci.lo! <= truth[i] && truth[i] <= ci.hi!) cover[i]++;
      });
      const d = st.claims[0].numbers.perSeedDifference as number[];
      const p = bootstrapCI(d, undefined, { reps: 1000, seed: r, method: 'bca' }).ci;
      if (p.lo! <= truth[0] && truth[0] <= p.hi!) plain++;
    }
    for (const [i, c] of cover.entries()) expect(c, `claim ${i + 1}: ${c}/${R}`).toBeGreaterThanOrEqual(minCount(R, 0.95));
    expect(plain).toBeLessThan(minCount(R, 0.95)); // why the BCa intervals are expanded
  }, 300_000);
});
