/**
 * Calibration of the whole verdict procedure by simulation (issue #7, item 7): whole synthetic
 * studies (src/stats/simulate.ts) in which each claim is false or true by construction, analysed
 * by analyzeStudy. Seeded: every number here is the same on every run and machine. The power
 * table in src/stats/README.md comes from bench/calibration.ts (more replicates).
 */
import { describe, expect, it } from 'vitest';
import { bootstrapCI } from '../src/stats/bootstrap.ts';
import { calibrate, NUISANCE_SCENARIOS, REAL, SCENARIOS, simulateStudy } from '../src/stats/simulate.ts';
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
    expect(maxCount(100, ALPHA)).toBe(13); // the nuisance scenarios' tolerance at 100 studies
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
    const loose = calibrate('null-1-3', 6, R, { ...fast, alpha: 0.5, decisionLevel: 0.5 }, 10_000 * 6);
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

describe("issue #17's nuisance: what claim 3 is not about does not make it SUPPORTED", () => {
  it('the simulated studies carry the nuisance (model-2 shorter, stalled filters near init, shared init)', () => {
    const len = (w: Float32Array[]): number => w.reduce((t, f) => t + Math.hypot(...f), 0) / w.length;
    const trained = (d: ReturnType<typeof simulateStudy>, seed: number, model: string, network: string, stage = 'trained') =>
      d.filters.find((f) => f.seed === seed && f.model === model && f.network === network && f.stage === stage)!.weights;
    const small = simulateStudy(SCENARIOS['small-model2'], 6, 1);
    const ratios = small.seeds.map((s) => len(trained(small, s, 'model2', 'cnn1')) / len(trained(small, s, 'model1', 'cnn1')));
    for (const r of ratios) expect(r).toBeGreaterThan(0.45), expect(r).toBeLessThan(0.95);
    const stalled = simulateStudy(SCENARIOS['stalled-seeds'], 20, 1);
    const acc2 = new Map(stalled.metrics.filter((m) => m.model === 'model2' && m.network === 'pipeline').map((m) => [m.seed, m.accuracy]));
    const stalledSeeds = stalled.seeds.filter((s) => acc2.get(s)! < 0.5);
    expect(stalledSeeds.length).toBeGreaterThan(0);
    for (const s of stalledSeeds) {
      const w = trained(stalled, s, 'model2', 'cnn1');
      const init = trained(stalled, s, 'model2', 'cnn1', 'init');
      const moved = w.reduce((t, f, i) => t + Math.hypot(...f.map((v, j) => v - init[i][j])), 0) / w.length;
      expect(moved).toBeCloseTo(3 * REAL.stalledMove, 1); // ‖N(0, σ²I₉)‖ ≈ 3σ ≈ 0.08
    }
    const shared = simulateStudy(SCENARIOS['shared-init'], 6, 1);
    expect(analyzeStudy(shared, { ...fast, descriptive: false }).options.sharedInit).toBe(true);
    expect(trained(shared, 3, 'model2', 'cnn2', 'init')).toEqual(trained(shared, 3, 'model1', 'cnn2', 'init'));
  });

  // CI budget: 6 seeds and M = 100 studies per scenario (the README's table has 6, 10 and 20 seeds at
  // more studies, from bench/calibration.ts). Tolerance: at most maxCount(100, 0.05) = 13 SUPPORTED
  // (P(X ≥ 14) < 0.001 when the true rate is 5 %). On the raw-S yardstick 'small-model2' is SUPPORTED
  // in (nearly) every study, so the check can fail.
  const M = 100;
  for (const name of NUISANCE_SCENARIOS.filter((s) => !SCENARIOS[s].truth[2])) {
    it(`${name} (${SCENARIOS[name].label}), 6 seeds, ${M} studies: claim 3 SUPPORTED at most at rate α`, () => {
      const c = calibrate(name, 6, M, fast, 60_000 + 1000 * NUISANCE_SCENARIOS.indexOf(name));
      expect(c.supported[2], `claim 3 SUPPORTED in ${c.supported[2]} of ${M}`).toBeLessThanOrEqual(maxCount(M, ALPHA));
    }, 300_000);
  }

  it(`shared-init with both parts of claim 3 true, 6 seeds, ${M / 2} studies: found (the rule is not just silent)`, () => {
    const c = calibrate('shared-init', 6, M / 2, fast, 70_000);
    expect(c.supported[2]).toBeGreaterThan(M / 4);
  }, 300_000);
});

describe('CI coverage at 6 seeds (every claim true, known effects)', () => {
  // The claims' intervals are two-sided 1 − 2α = 90 % (verdicts.ts claimLevel): they must cover at
  // that level. Plain BCa at the same level would not (too short at 6 seeds), hence the expansion.
  const LEVEL = 0.9;
  it('the effects’ 90% CIs (the claims’ level) cover the true effect at their level; plain BCa would not', () => {
    // True values: claims 1 and 4 by construction; claims 2 and 3 from one 600-seed study.
    const big = analyzeStudy(simulateStudy(SCENARIOS['all-true'], 600, 999), { reps: 20, freshDraws: 3, descriptive: false });
    const truth = [0.02, big.claims[1].effect!.estimate, big.claims[2].effect!.estimate, -0.1];
    const cover = [0, 0, 0, 0];
    let plain = 0;
    for (let r = 0; r < R; r++) {
      const st = analyzeStudy(simulateStudy(SCENARIOS['all-true'], 6, 50_000 + r), { reps: 1000, freshDraws: 3, descriptive: false, bootstrapSeed: r });
      st.claims.forEach((c, i) => {
        const ci = c.effect!.ci;
        expect(ci.level).toBeCloseTo(LEVEL, 12);
        if (ci.lo! <= truth[i] && truth[i] <= ci.hi!) cover[i]++;
      });
      const d = st.claims[0].numbers.perSeedDifference as number[];
      const p = bootstrapCI(d, undefined, { reps: 1000, seed: r, method: 'bca', level: LEVEL }).ci;
      if (p.lo! <= truth[0] && truth[0] <= p.hi!) plain++;
    }
    for (const [i, c] of cover.entries()) expect(c, `claim ${i + 1}: ${c}/${R}`).toBeGreaterThanOrEqual(minCount(R, LEVEL));
    expect(plain).toBeLessThan(minCount(R, LEVEL)); // why the BCa intervals are expanded
  }, 300_000);
});
