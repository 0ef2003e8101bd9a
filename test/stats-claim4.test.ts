/** Claim 4 (the paper's Discussion): relabelled and probe digit accuracy of the CNNs, its own family (issue #7, item 8). */
import { describe, expect, it } from 'vitest';
import { cnnMean } from '../src/stats/claim4.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import type { StudyData } from '../src/stats/types.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';

const fast = { reps: 400, freshDraws: 5 };

function withStalls(d: StudyData, stalled: number[]): StudyData {
  for (const m of d.metrics) if (m.model === 'model2' && m.network === 'pipeline' && stalled.includes(m.seed)) m.accuracy = 0.09;
  return d;
}

describe('claim 4', () => {
  it("'paper' truth: model-2's CNNs are far below model-1's under relabelling: supported in its own family", () => {
    const d = makeSyntheticStudy({ seeds: 6, mode: 'paper' });
    const s = analyzeStudy(d, fast);
    const c = s.claims[3];
    expect(c.claim).toBe(4);
    expect(c.family).toBe('discussion');
    expect(c.verdict).toBe('supported');
    expect(c.pHolm).toBe(c.p); // not adjusted with claims 1–3
    const m1 = cnnMean(d.metrics, 'model1', 'digit_relabelled');
    const m2 = cnnMean(d.metrics, 'model2', 'digit_relabelled');
    expect(c.effect!.estimate).toBeCloseTo(mean(d.seeds.map((x) => m2.get(x)! - m1.get(x)!)), 12);
    expect(c.numbers.probeModel2 as number).toBeLessThan(c.numbers.probeModel1 as number);
    expect(c.sentence).toMatch(/^Even under the best renaming of their 10 outputs, model-2's CNNs name 0\.\d{3} of test digits correctly against 0\.\d{3} for model-1's/);
  });

  it('uses the seeds trained to the standard; all seeds are a secondary result; 5 seeds suffice in its family', () => {
    const s = analyzeStudy(withStalls(makeSyntheticStudy({ seeds: 6, mode: 'paper' }), [4]), fast);
    const c = s.claims[3];
    expect(c.numbers.differenceSeeds).toEqual([1, 2, 3, 5, 6]);
    expect(c.nSeeds).toBe(5);
    expect(s.options.minSeedsDiscussion).toBe(5);
    expect(c.verdict).toBe('supported'); // 2⁻⁵ = 0.031 < 0.05
    expect(c.secondary[0]).toMatchObject({ name: 'all seeds', seeds: [1, 2, 3, 4, 5, 6] });
    // claims 1–3 at 5 seeds would be inconclusive by rule (family of three needs 6)
    expect(s.options.minSeedsPaper).toBe(6);
  });

  it('equal relabelled accuracy: not supported only if the CI is wholly above 0, else inconclusive', () => {
    const s = analyzeStudy(makeSyntheticStudy({ seeds: 8, mode: 'identical' }), fast);
    const c = s.claims[3];
    expect(c.verdict).not.toBe('supported');
    if (c.verdict === 'not supported') expect(c.effect!.ci.lo!).toBeGreaterThanOrEqual(0);
  });

  it('a study without the measurements says claim 4 cannot be tested', () => {
    const d = makeSyntheticStudy({ seeds: 6, mode: 'paper' });
    d.metrics = d.metrics.filter((m) => m.target !== 'digit_relabelled' && m.target !== 'digit_probe');
    const c = analyzeStudy(d, fast).claims[3];
    expect(c.testable).toBe(false);
    expect(c.verdict).toBe('inconclusive');
    expect(c.sentence).toMatch(/^Claim 4 cannot be tested on this study/);
  });
});

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
