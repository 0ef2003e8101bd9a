import { describe, expect, it } from 'vitest';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';

const fast = { reps: 400, freshDraws: 5 };
const verdicts = (s: ReturnType<typeof analyzeStudy>): string[] => s.claims.map((c) => c.verdict);

describe('analyzeStudy verdicts on synthetic studies with a known answer', () => {
  it("'paper' truth with 8 seeds: all four claims supported", () => {
    const s = analyzeStudy(makeSyntheticStudy({ seeds: 8, mode: 'paper' }), fast);
    expect(verdicts(s)).toEqual(['supported', 'supported', 'supported', 'supported']);
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
    expect(verdicts(s)).toEqual(['inconclusive', 'inconclusive', 'inconclusive', 'inconclusive']);
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

describe('claim 3 part (a) is tested only with train.sharedInit', () => {
  it('sharedInit false (the default design): part (a) is false by construction, so claim 3 rests on part (b)', () => {
    // model-2's CNNs are alike (copies of their own solution) but no closer to the same seed's model-1.
    const data = makeSyntheticStudy({ seeds: 8, mode: 'paper', sharedInit: false });
    expect((data.config as { train: { sharedInit: boolean } }).train.sharedInit).toBe(false);
    const s = analyzeStudy(data, fast);
    const c = s.claims[2];
    expect(s.options.sharedInit).toBe(false);
    expect(c.numbers.partA).toBe('descriptive');
    expect(c.verdict).toBe('supported');
    expect(c.p).toBe(c.numbers.pB);
    expect(c.effect!.name).toMatch(/^\(b\)/);
    expect(c.effect!.estimate).toBeCloseTo(c.numbers.effectB as number, 12);
    // part (a) still reported: numbers, but no effect (same-seed ≈ cross-seed)
    expect(typeof c.numbers.pA).toBe('number');
    expect(Math.abs(c.numbers.effectA as number)).toBeLessThan(0.05 * (c.numbers.meanSCrossSeedControl as number));
    expect(c.notes.join(' ')).toMatch(/part \(a\) is descriptive.*sharedInit = false.*false by construction.*--set train\.sharedInit=true/);
    expect(c.rule).toMatch(/not tested/);
  });

  it('the same filters analysed as a sharedInit study: part (a) is tested and fails', () => {
    const data = makeSyntheticStudy({ seeds: 8, mode: 'paper', sharedInit: false });
    data.config = { ...(data.config as object), train: { sharedInit: true } };
    const s = analyzeStudy(data, fast);
    const c = s.claims[2];
    expect(c.numbers.partA).toBe('tested');
    expect(c.p).toBe(Math.max(c.numbers.pA as number, c.numbers.pB as number));
    expect(c.verdict).not.toBe('supported');
    expect(c.notes).toEqual([]);
  });

  it("'paper' truth (model-2 copies the same seed's model-1) is a sharedInit design: both parts tested", () => {
    const data = makeSyntheticStudy({ seeds: 8, mode: 'paper' });
    expect((data.config as { train: { sharedInit: boolean } }).train.sharedInit).toBe(true);
    // model-2 starts from model-1's initial weights
    const init = (model: string, network: string) => data.filters.find((f) => f.seed === 1 && f.model === model && f.network === network && f.stage === 'init')!.weights;
    expect(init('model2', 'cnn2')).toEqual(init('model1', 'cnn2'));
    const c = analyzeStudy(data, fast).claims[2];
    expect(c.numbers.partA).toBe('tested');
    expect(c.numbers.effectPart).toBe('a');
    expect(c.p).toBe(Math.max(c.numbers.pA as number, c.numbers.pB as number));
  });

  it('a config without train.sharedInit counts as false', () => {
    const data = makeSyntheticStudy({ seeds: 6, mode: 'paper' });
    data.config = null;
    expect(analyzeStudy(data, fast).claims[2].numbers.partA).toBe('descriptive');
  });
});

describe('recorded settings and labels', () => {
  it('the thresholds used are recorded in options', () => {
    const s = analyzeStudy(makeSyntheticStudy({ seeds: 6, mode: 'paper' }), { ...fast, learnedThreshold: 0.6, equivalenceMargin: 0.01, movedFraction: 0.4 });
    expect(s.options).toMatchObject({ learnedThreshold: 0.6, equivalenceMargin: 0.01, movedFraction: 0.4, minSeedsPaper: 6, minSeedsDiscussion: 5 });
    expect(s.learned.threshold).toBe(0.6);
    expect(s.equivalence.margin).toBe(0.01);
    expect(s.claims[1].numbers.movedFraction).toBe(0.4);
    expect(analyzeStudy(makeSyntheticStudy({ seeds: 6, mode: 'paper' }), fast).options).toMatchObject({ learnedThreshold: 0.5, equivalenceMargin: 0.005, movedFraction: 0.5 });
  });

  it("model-2's CNN digit accuracies are labelled as diagnostics, model-1's as classifiers", () => {
    const data = makeSyntheticStudy({ seeds: 6, mode: 'paper' });
    for (const seed of data.seeds) {
      for (const network of ['cnn1', 'cnn2']) {
        data.metrics.push({ seed, model: 'model2', network, split: 'test', target: 'digit', accuracy: 0.1, loss: 2, n: 5000, trainSeconds: 1, backend: 'synthetic' });
      }
    }
    const t = analyzeStudy(data, fast).table2;
    const row = t.find((r) => r.key === 'model2.cnn1.digit')!;
    expect(row.label).toBe('model-2 CNN1 (diagnostic: never trained on digits)');
    expect(row.diagnostic).toBe(true);
    expect(t.find((r) => r.key === 'model2.cnn2.digit')!.label).toMatch(/^model-2 CNN2 \(diagnostic/);
    expect(t.filter((r) => !r.diagnostic).map((r) => r.label)).toEqual(['CNN1', 'CNN2', 'model-1', 'model-2']);
    // claim 4's measurements are labelled by what they are
    expect(t.find((r) => r.key === 'model2.cnn1.digit_relabelled')!.label).toBe('model-2 CNN1 (digits, best relabelling of its outputs)');
    expect(t.find((r) => r.key === 'model1.cnn2.digit_probe')!.label).toBe('model-1 CNN2 (digits, linear probe on its dense layer)');
  });

  it('claim 1 records the seeds its differences were computed on', () => {
    const data = makeSyntheticStudy({ seeds: 7, mode: 'paper' });
    // seed 2 has accuracies but no trained filters; seed 7 lacks model-1's pipeline accuracy
    data.filters = data.filters.filter((f) => !(f.seed === 2 && f.stage === 'trained'));
    data.metrics = data.metrics.filter((m) => !(m.seed === 7 && m.model === 'model1' && m.network === 'pipeline'));
    const s = analyzeStudy(data, fast);
    expect(s.seeds).toEqual([1, 3, 4, 5, 6, 7]);
    expect(s.claims[0].numbers.differenceSeeds).toEqual([1, 2, 3, 4, 5, 6]);
    const acc = (seed: number, model: string) => data.metrics.find((m) => m.seed === seed && m.model === model && m.network === 'pipeline')!.accuracy;
    const d = s.claims[0].numbers.perSeedDifference as number[];
    expect(d[1]).toBeCloseTo(acc(2, 'model2') - acc(2, 'model1'), 15);
  });
});
