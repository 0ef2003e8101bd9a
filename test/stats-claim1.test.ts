/**
 * Claim 1 seed by seed (src/stats/claim1.ts, issue #17 item 7): the probability that model-2 beats
 * model-1 on a random seed (paired by seed, ties ½) with its bootstrap and exact CIs, the accuracy
 * profile figure, and where both appear (stats.json, stats.arrow, the report's claim-1 text).
 * Every expected number below is worked out by hand in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { FilterstudyError } from '../src/errors.ts';
import { claimText } from '../src/report/claims.ts';
import { profileData, profileSvg } from '../src/report/figures.ts';
import { statsRows } from '../src/report/stats-table.ts';
import { probabilityOfImprovement } from '../src/stats/claim1.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';

const o = { reps: 20_000, seed: 1, level: 0.95 };

describe('probability of improvement P(model-2 > model-1 on a random seed)', () => {
  it('counts wins, ties ½ and losses paired by seed', () => {
    // seed 1: 0.95 > 0.90 win; seeds 2, 3: equal, ties; seed 4: 0.10 < 0.92 loss ⇒ (1 + 2·½)/4 = 0.5
    const p = probabilityOfImprovement([0.9, 0.9, 0.91, 0.92], [0.95, 0.9, 0.91, 0.1], o);
    expect([p.wins, p.ties, p.losses, p.n]).toEqual([1, 2, 1, 4]);
    expect(p.estimate).toBe(0.5);
    // Bootstrap: each resampled seed scores 0, ½, 1 with probabilities ¼, ½, ¼, i.e. Binomial(2, ½)
    // half-points; 4 seeds ⇒ the mean is K/8 with K ~ Binomial(8, ½). P(K ≤ 0) = 1/256 < 0.025 <
    // P(K ≤ 1) = 9/256, so the 2.5 % quantile is 1/8 and, by symmetry, the 97.5 % one 7/8.
    expect(p.ci.lo).toBe(0.125);
    expect(p.ci.hi).toBe(0.875);
    // Exact: Clopper–Pearson lower bound of 1 win in 4 = 1 − 0.975^(1/4); upper bound with the ties
    // as wins, 3 of 4 = 0.975^(1/4) (the Beta(k+1, n−k) = Beta(4, 1) quantile is x⁴ = 0.975).
    expect(p.exactCi.lo).toBeCloseTo(1 - 0.975 ** 0.25, 6);
    expect(p.exactCi.hi).toBeCloseTo(0.975 ** 0.25, 6);
  });

  it('6 of 6 wins: the bootstrap interval collapses to [1, 1], the exact one does not', () => {
    const p = probabilityOfImprovement([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0.9, 0.8, 0.7, 0.6, 0.51, 0.99], o);
    expect(p.estimate).toBe(1);
    expect([p.ci.lo, p.ci.hi]).toEqual([1, 1]);
    // Clopper–Pearson for 6 of 6: lower bound (α/2)^(1/n) = 0.025^(1/6) = 0.5407
    expect(p.exactCi.lo).toBeCloseTo(0.025 ** (1 / 6), 6);
    expect(p.exactCi.hi).toBe(1);
  });

  it('no seeds: no estimate; unequal lengths: an E_STATS error naming both counts', () => {
    const p = probabilityOfImprovement([], [], o);
    expect(p.estimate).toBeNull();
    expect(p.ci.lo).toBeNull();
    let err: unknown;
    try {
      probabilityOfImprovement([0.9, 0.9], [0.9], o);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FilterstudyError);
    expect((err as FilterstudyError).code).toBe('E_STATS');
    expect((err as Error).message).toMatch(/2 model-1 accuracies against 1 model-2/);
  });
});

describe('analyzeStudy: claim 1 seed by seed beside the mean difference', () => {
  // Synthetic 'paper' study: model-2 0.867 ± 0.02 against model-1 0.494 ± 0.02 on every seed.
  const data = makeSyntheticStudy({ seeds: 6, mode: 'paper' });
  // Seed 3's model-2 stalls at 0.1: one loss in six.
  const stalled = { ...data, metrics: data.metrics.map((m) => (m.seed === 3 && m.model === 'model2' && m.network === 'pipeline' ? { ...m, accuracy: 0.1 } : m)) };
  const opts = { reps: 500, descriptive: false };

  it('one stalled seed costs the probability 1/6, while it moves the all-seeds mean difference by (0.867 − 0.1)/6 ≈ 0.13', () => {
    const a = analyzeStudy(data, opts);
    const b = analyzeStudy(stalled, opts);
    expect(a.claim1Profile.seeds).toEqual([1, 2, 3, 4, 5, 6]);
    expect(a.claim1Profile.probabilityOfImprovement.estimate).toBe(1);
    expect(b.claim1Profile.probabilityOfImprovement.estimate).toBeCloseTo(5 / 6, 12);
    expect(b.claim1Profile.probabilityOfImprovement.losses).toBe(1);
    expect(b.claim1Profile.model2[2]).toBe(0.1);
    const acc2 = (s: number) => data.metrics.find((m) => m.seed === s && m.model === 'model2' && m.network === 'pipeline')!.accuracy;
    const meanDiffAll = (st: typeof a): number => (st.claims[0].numbers.model2MeanAll as number) - (st.claims[0].numbers.model1MeanAll as number);
    expect(meanDiffAll(a) - meanDiffAll(b)).toBeCloseTo((acc2(3) - 0.1) / 6, 12);
    // The verdict rule is unchanged: the mean difference's test decides, the probability does not.
    expect(b.claims[0].rule).toMatch(/^d_s = acc\(model-2\) − acc\(model-1\)/);
  });

  it('stats.arrow and the report carry it', () => {
    const st = analyzeStudy(stalled, opts);
    const rows = statsRows(st).filter((r) => r.key === 'claim1' && r.statistic.startsWith('p_improvement'));
    expect(rows.map((r) => r.statistic)).toEqual(['p_improvement', 'p_improvement_exact']);
    expect(rows[0].value).toBeCloseTo(5 / 6, 12);
    expect(rows[0].text).toMatch(/5 wins, 0 ties, 1 losses/);
    expect(rows[1].hi).toBeCloseTo(0.975 ** (1 / 6), 6); // Clopper–Pearson upper bound of 5 of 6: Beta(6, 1) quantile x⁶ = 0.975
    expect(claimText(st.claims[0], st)).toMatch(/model-2 beats model-1 on 5 of 6 seeds; the probability that it does on a random seed \(ties count ½\) is 0\.83/);
  });
});

describe('accuracy profile figure (rliable performance profile)', () => {
  it('steps: the fraction of seeds above τ, equal values dropping together', () => {
    // values 0.2, 0.5, 0.9, 0.9 (n = 4): above τ = 1 up to 0.2, then 3/4, 2/4 after 0.5, 0 after 0.9
    const d = profileData([{ label: 'model-2', values: [0.9, 0.2, 0.9, 0.5] }]);
    expect(d.steps.map((p) => [p.tau, p.fraction])).toEqual([[0, 1], [0.2, 0.75], [0.5, 0.5], [0.9, 0], [1, 0]]);
    expect(d.seeds).toHaveLength(4);
  });

  it('renders one step line per model and one tick per seed', async () => {
    const svg = await profileSvg(
      [{ label: 'model-1', values: [0.92, 0.93, 0.91] }, { label: 'model-2', values: [0.95, 0.1, 0.94] }],
      { title: 'Claim 1 seed by seed', xLabel: 'third-term test accuracy τ' },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    // Vega draws a coloured line mark as one group per series, each with one path.
    const lines = [...svg.matchAll(/<g class="mark-line role-mark profile_marks"[^>]*>(.*?)<\/g>/gs)].map((m) => m[1].match(/<path /g)?.length);
    expect(lines).toEqual([1, 1]);
    for (const k of [0, 1]) {
      const ticks = svg.match(new RegExp(`<g class="mark-rect role-mark seeds${k}_marks"[^>]*>(.*?)</g>`, 's'))![1].match(/<path /g);
      expect(ticks).toHaveLength(3);
    }
  });

  it('rejects series of different lengths and values outside [0, 1]', async () => {
    await expect(profileSvg([{ label: 'a', values: [0.5, 0.6] }, { label: 'b', values: [0.5] }], { title: 't', xLabel: 'x' })).rejects.toThrow(/series "b" has 1 values, series 0 has 2/);
    await expect(profileSvg([{ label: 'a', values: [1.5] }], { title: 't', xLabel: 'x' })).rejects.toThrow(/outside \[0, 1\]/);
  });
});
