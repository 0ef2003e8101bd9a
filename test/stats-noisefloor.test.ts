/** Claim 2 against the noise floor, its premises, and the "equally accurate" TOST (issue #7, items 5 and 6). */
import { describe, expect, it } from 'vitest';
import { mean } from '../src/stats/distances.ts';
import { decide, minSeedsFor, pairedPart } from '../src/stats/claim-parts.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { SCENARIOS, simulateStudy } from '../src/stats/simulate.ts';
import { tost } from '../src/stats/tests.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';

const fast = { reps: 400, freshDraws: 5 };

describe('claim 2 effect on the scale noise floor = 0, unrelated random filters = 1', () => {
  it('the effect is (S12 − S_noise) / (S_fresh − S_noise) of the grand means, tested on per-seed S12 − S_noise', () => {
    const s = analyzeStudy(simulateStudy(SCENARIOS['all-true'], 8, 3), fast);
    const c = s.claims[1];
    const x = c.numbers as Record<string, number>;
    expect(c.effect!.estimate).toBeCloseTo((x.meanSWithinModel1 - x.meanSNoiseFloor) / (x.meanSUnrelated - x.meanSNoiseFloor), 12);
    expect(x.meanDifference).toBeCloseTo(mean(c.numbers.perSeedDifference as number[]), 12);
    expect(c.effect!.estimate).toBeGreaterThan(0.5);
    expect(c.effect!.estimate).toBeLessThan(1.2);
    expect(c.verdict).toBe('supported');
    expect(c.numbers.yardstick).toBe('unit'); // decided on the scale-free yardstick
    // The baselines are raw S: the same noise floor, analysed on the raw yardstick.
    const raw = analyzeStudy(simulateStudy(SCENARIOS['all-true'], 8, 3), { ...fast, yardstick: 'raw', descriptive: false }).claims[1].numbers as Record<string, number>;
    expect(s.baselines.noiseFloor!['model1.cnn1'].mean).toBeCloseTo(raw.meanSNoiseFloor, 1); // one direction vs both
  });

  it("issue #7's near-identical study (CNN2 = CNN1 permuted + N(0, 0.02²)) is NOT SUPPORTED: below the noise floor", () => {
    const s = analyzeStudy(simulateStudy(SCENARIOS['near-identical'], 6, 1), fast);
    const c = s.claims[1];
    expect(c.verdict).toBe('not supported');
    expect(c.effect!.ci.hi!).toBeLessThan(0);
    expect(c.sentence).toMatch(/the seeds contradict the claim that equally accurate CNNs learn different filters/);
  });

  it('filters that barely left their initialisation: not decided, with the reason', () => {
    const s = analyzeStudy(simulateStudy(SCENARIOS['barely-moved'], 8, 1), fast);
    const c = s.claims[1];
    expect(c.numbers.filtersMoved).toBe(false);
    expect(c.numbers.movedRatio as number).toBeLessThan(0.5);
    expect(c.verdict).toBe('inconclusive');
    // the statistic alone would have said "supported": the premise is what stops it
    expect(c.pHolm!).toBeLessThan(0.05);
    expect(c.effect!.ci.lo!).toBeGreaterThan(0);
    expect(c.sentence).toMatch(/Claim 2 is not decided: model-1's filters barely left their random starting values/);
  });

  it('without the noise floor claim 2 cannot be tested (and keeps its place in the Holm family)', () => {
    const s = analyzeStudy(makeSyntheticStudy({ seeds: 8, mode: 'paper', noiseFloor: false }), fast);
    const c = s.claims[1];
    expect(c.testable).toBe(false);
    expect(c.verdict).toBe('inconclusive');
    expect([c.p, c.pHolm, c.effect]).toEqual([null, null, null]);
    expect(c.notes.join(' ')).toMatch(/claim 2 cannot be tested: this study has no noise floor \(train\.noiseFloor = false\)/);
    // claims 1 and 3 are adjusted as in a family of three
    const p = [s.claims[0].p!, s.claims[2].p!];
    expect(s.claims[0].pHolm!).toBeGreaterThanOrEqual(Math.min(1, 2 * Math.min(...p)));
  });
});

describe('"not supported" only when the effect CI lies wholly on the wrong side (item 6)', () => {
  const ci = (lo: number, hi: number) => ({ lo, hi, level: 0.95, method: 'test' });
  it('estimate on the wrong side but CI straddling 0: inconclusive', () => {
    const d = [-0.02, 0.01, -0.03, 0.015, -0.01, -0.005];
    expect(decide([pairedPart(d, 'greater', -0.0067, ci(-0.02, 0.008))], 0.9, 6, 6, 0.05)).toBe('inconclusive');
    expect(decide([pairedPart(d, 'greater', -0.0067, ci(-0.02, -0.001))], 0.9, 6, 6, 0.05)).toBe('not supported');
    expect(decide([pairedPart(d.map((v) => -v), 'less', 0.0067, ci(0.001, 0.02))], 0.9, 6, 6, 0.05)).toBe('not supported');
    expect(decide([pairedPart(d, 'greater', -0.0067, ci(-0.02, -0.001))], 0.9, 5, 6, 0.05)).toBe('inconclusive'); // too few seeds
  });
  it('supported needs the adjusted p and the whole CI on the claimed side', () => {
    const d = [0.02, 0.01, 0.03, 0.015, 0.01, 0.005];
    expect(decide([pairedPart(d, 'greater', 0.015, ci(0.008, 0.022))], 0.03, 6, 6, 0.05)).toBe('supported');
    expect(decide([pairedPart(d, 'greater', 0.015, ci(-0.001, 0.022))], 0.03, 6, 6, 0.05)).toBe('inconclusive');
    expect(decide([pairedPart(d, 'greater', 0.015, ci(0.008, 0.022))], 0.06, 6, 6, 0.05)).toBe('inconclusive');
  });
  it('the minimum seeds follow from α and the family size: 6 for three claims, 5 for one', () => {
    expect(minSeedsFor(0.05, 3)).toBe(6);
    expect(minSeedsFor(0.05, 4)).toBe(7); // 2⁻⁶ = 0.0156 ≥ 0.0125: four claims under Holm would need 7
    expect(minSeedsFor(0.05, 1)).toBe(5);
  });
});

describe('the "equally accurate" premise: TOST of acc(CNN1) − acc(CNN2)', () => {
  it('is reported with its margin, mean gap, 90% CI and p, per the tost() routine', () => {
    const d = makeSyntheticStudy({ seeds: 8, mode: 'paper' });
    const s = analyzeStudy(d, fast);
    const acc = (seed: number, net: string) => d.metrics.find((m) => m.seed === seed && m.model === 'model1' && m.network === net && m.target === 'digit')!.accuracy;
    const gaps = d.seeds.map((x) => acc(x, 'cnn1') - acc(x, 'cnn2'));
    const t = tost(gaps, 0.005);
    expect(s.equivalence).toMatchObject({ margin: 0.005, n: 8, p: t.p, equivalent: t.equivalent });
    expect(s.equivalence.gaps).toEqual(gaps);
    expect(s.equivalence.ci.level).toBeCloseTo(0.9, 12);
    expect(s.claims[1].numbers.equivalent).toBe(t.equivalent);
    // a 2-point gap is not "equally accurate"
    for (const m of d.metrics) if (m.model === 'model1' && m.network === 'cnn2' && m.target === 'digit') m.accuracy -= 0.02;
    expect(analyzeStudy(d, fast).equivalence.equivalent).toBe(false);
  });
});
