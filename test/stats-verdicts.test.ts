import { describe, expect, it } from 'vitest';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';

const fast = { reps: 400, freshDraws: 5 };
const verdicts = (s: ReturnType<typeof analyzeStudy>): string[] => s.claims.map((c) => c.verdict);

describe('analyzeStudy verdicts on synthetic studies with a known answer', () => {
  it("'paper' truth with 8 seeds: all three claims supported", () => {
    const s = analyzeStudy(makeSyntheticStudy({ seeds: 8, mode: 'paper' }), fast);
    expect(verdicts(s)).toEqual(['supported', 'supported', 'supported']);
    for (const c of s.claims) {
      expect(c.nSeeds).toBe(8);
      expect(c.pHolm!).toBeLessThan(0.05);
      expect(c.notes).toEqual([]);
    }
    // claim 1 effect ≈ 0.867 − 0.494
    expect(s.claims[0].effect!.estimate).toBeGreaterThan(0.3);
  });

  it('identical filters across model-1 CNNs: claim 2 not supported (S = 0)', () => {
    const s = analyzeStudy(makeSyntheticStudy({ seeds: 8, mode: 'identical' }), fast);
    expect(s.claims[1].verdict).toBe('not supported');
    expect(s.claims[1].numbers.meanSWithinModel1).toBeCloseTo(0, 6);
    const within = s.comparisons.find((c) => c.comparison === 'model1.cnn1 -> model1.cnn2')!;
    expect(within.variants.raw.mean).toBeCloseTo(0, 6);
    expect(within.collisions.mean).toBe(0);
    expect(within.matched.mean).toBeCloseTo(0, 6);
  });

  it('independent random filters: claim 2 supported', () => {
    const s = analyzeStudy(makeSyntheticStudy({ seeds: 8, mode: 'independent' }), fast);
    expect(s.claims[1].verdict).toBe('supported');
    expect(s.claims[2].verdict).not.toBe('supported');
  });

  it('too few seeds: every claim inconclusive with a note', () => {
    const s = analyzeStudy(makeSyntheticStudy({ seeds: 4, mode: 'paper' }), fast);
    expect(verdicts(s)).toEqual(['inconclusive', 'inconclusive', 'inconclusive']);
    for (const c of s.claims) expect(c.notes.join(' ')).toMatch(/too few seeds/);
    expect(s.warnings.join(' ')).toMatch(/only 4 complete seeds/);
  });

  it('table 2, baselines and JSON round trip', () => {
    const s = analyzeStudy(makeSyntheticStudy({ seeds: 6, mode: 'paper' }), fast);
    const t = Object.fromEntries(s.table2.map((r) => [r.key, r]));
    expect(t['CNN1'].paper).toBe(0.982);
    expect(t['model-2'].paper).toBe(0.867);
    expect(t['model-2'].n).toBe(6);
    expect(t['model-2'].ci.lo!).toBeLessThan(t['model-2'].mean);
    expect(Object.keys(s.baselines.trainedVsInit)).toHaveLength(4);
    expect(s.baselines.crossSeed['model1.cnn1'].pairs).toHaveLength(15);
    expect(s.comparisons.map((c) => c.comparison)).toContain('model2.cnn1 -> model1');
    expect(s.sVsAccuracyGap.n).toBe(6);
    const round = JSON.parse(JSON.stringify(s));
    expect(round.claims[0].verdict).toBe(s.claims[0].verdict);
    // deterministic
    expect(JSON.stringify(analyzeStudy(makeSyntheticStudy({ seeds: 6, mode: 'paper' }), fast))).toBe(JSON.stringify(s));
  });

  it('computes CKA when test images are given', () => {
    const data = makeSyntheticStudy({ seeds: 2, mode: 'identical' });
    const images = Float32Array.from({ length: 20 * 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
    const s = analyzeStudy(data, { ...fast, images, ckaImages: 20, ckaPositionsPerImage: 100 });
    expect(s.cka!.images).toBe(20);
    expect(s.cka!.positionsPerImage).toBe(100);
    // model-1 CNN2 = CNN1's filters reversed, but biases differ → CKA high but below 1
    const v = s.cka!.comparisons['model1.cnn1 <-> model1.cnn2'].perSeed;
    expect(v).toHaveLength(2);
    for (const x of v) expect(x).toBeGreaterThan(0.5);
  });

  it('warns when similarity.arrow disagrees with the filters', () => {
    const data = makeSyntheticStudy({ seeds: 2, mode: 'paper' });
    const row = (s: number) => ({
      seed: 1, comparison: 'model1.cnn1 -> model1.cnn2', refModel: 'model1', refNetwork: 'cnn1', refStage: 'trained',
      otherModel: 'model1', otherNetwork: 'cnn2', otherStage: 'trained', i: 0, s, argmin: 0,
    });
    const a = data.filters.find((f) => f.seed === 1 && f.model === 'model1' && f.network === 'cnn1' && f.stage === 'trained')!;
    const b = data.filters.find((f) => f.seed === 1 && f.model === 'model1' && f.network === 'cnn2' && f.stage === 'trained')!;
    const s0 = Math.min(...b.weights.map((w) => Math.hypot(...w.map((v, k) => v - a.weights[0][k]))));
    data.similarity = [row(s0)];
    expect(analyzeStudy(data, fast).warnings.join(' ')).not.toMatch(/similarity\.arrow/);
    data.similarity = [row(s0 + 0.1)];
    expect(analyzeStudy(data, fast).warnings.join(' ')).toMatch(/similarity\.arrow disagrees/);
  });
});
