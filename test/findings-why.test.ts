/**
 * The findings' "why" lines come from the curated seeds themselves (report/findings-why.ts):
 * - whether model-1's LSTM was still rising over the last tenth of its epochs, and when each seed's
 *   LSTM passed the paper's figure (history.arrow written with known curves);
 * - each model's mean filter length (filters.arrow; model-2's filters halved → ratio 0.5);
 * - claim 3's raw-S verdict against the deciding yardstick, said only when they differ;
 * - which accuracy moves when claim 1's verdict changes between recipes.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryRow } from '../src/io/schema.ts';
import { climbAtEnd, climbText, type CuratedStudy, filterLengths, recipeDifferences, whyClaim3Yardstick, whyModel1 } from '../src/report/findings-why.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import type { MultiverseCell, StudyStats, Verdict } from '../src/stats/types.ts';
import { tempDir } from './helpers.ts';
import { writeSeedFolders } from './study-folder.ts';

const data = makeSyntheticStudy({ seeds: 4, mode: 'paper' });
/** Model-1's LSTM, 20 epochs: seeds 1 and 3 climb 0.03 per epoch, seed 2 0.04, seed 4 stays at 0.3. */
const slope: Record<number, number> = { 1: 0.03, 2: 0.04, 3: 0.03, 4: 0 };
const history: HistoryRow[] = data.seeds.flatMap((seed) => Array.from({ length: 20 }, (_, i) => {
  const epoch = i + 1;
  const val = seed === 4 ? 0.3 : 0.05 + slope[seed] * epoch;
  return { seed, model: 'model1', network: 'pipeline', epoch, trainLoss: 1, trainAccuracy: val, valLoss: 1, valAccuracy: val, seconds: 1, best: false };
})).concat(data.seeds.map((seed) => ({ seed, model: 'model2', network: 'pipeline', epoch: 1, trainLoss: 1, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.5, seconds: 1, best: false })));

const root = tempDir();
const withHistory = join(root, 'with-history');
writeSeedFolders(withHistory, data, { history });
const halved = join(root, 'model2-halved');
writeSeedFolders(halved, { ...data, filters: data.filters.map((f) => (f.model === 'model2' && f.stage === 'trained' ? { ...f, weights: f.weights.map((w) => w.map((x) => x / 2)) } : f)) });

function study(name: string, dir: string, o: { claims?: [number, Verdict][]; table2?: [string, number][]; multiverse?: Partial<MultiverseCell>[]; config?: CuratedStudy['config'] } = {}): CuratedStudy {
  const stats = {
    seeds: data.seeds,
    learned: { standardSeeds: data.seeds },
    table2: (o.table2 ?? []).map(([key, mean]) => ({ key, mean, diagnostic: false })),
    claims: (o.claims ?? []).map(([claim, verdict]) => ({ claim, verdict, decidedOn: { seedSet: 'standard', yardstick: claim === 2 || claim === 3 ? 'unit' : null } })),
    multiverse: (o.multiverse ?? []).map((c) => ({ claim: 3, seedSet: 'standard', estimate: -0.05, lo: -0.1, hi: -0.01, p: 0.01, pHolm: 0.01, nSeeds: 4, ...c })),
    comparisons: [{ comparison: 'model1.cnn1 -> model1.cnn2', variants: { raw: { mean: 0.8 } } }],
  } as unknown as StudyStats;
  return { name, dir, stats, config: o.config };
}

describe('model-1 still learning: from the seeds\' own curves', () => {
  it('compares the mean of the last tenth of the epochs with the tenth before, and finds when each seed passed a figure', () => {
    const c = climbAtEnd({ dir: withHistory }, 'model-1 LSTM', data.seeds, 0.494)!;
    // 20 epochs: windows 17–18 and 19–20; seeds 1, 3 gain 0.06, seed 2 0.08, seed 4 nothing.
    expect(c).toMatchObject({ seeds: 4, rising: 3, falling: 0, before: [17, 18], last: [19, 20] });
    expect(c.from).toBeCloseTo((0.575 * 2 + 0.75 + 0.3) / 4, 6);
    expect(c.to).toBeCloseTo((0.635 * 2 + 0.83 + 0.3) / 4, 6);
    expect(c.reached).toEqual([15, 12, 15, null]); // 0.05 + 0.03·15 = 0.50, 0.05 + 0.04·12 = 0.53
    expect(climbAtEnd({ dir: withHistory }, 'model-1 LSTM', [4])).toMatchObject({ seeds: 1, rising: 0, falling: 0 });
    expect(climbAtEnd({ dir: withHistory }, 'model-2', data.seeds)).toBeNull(); // one epoch: nothing to compare
    expect(climbAtEnd({ dir: halved }, 'model-1 LSTM', data.seeds)).toBeNull(); // no history: no claim about it
    expect(climbText({ ...c, rising: 0, falling: 2 })).toMatch(/^was falling on 2 of 4 seeds when training stopped/);
  });

  it('says so in the model-1 line, with how many seeds passed the paper\'s figure and when, and the CNNs\' bound', () => {
    const s = study('paper', withHistory, { table2: [['CNN1', 0.98], ['CNN2', 0.97]] });
    const text = whyModel1(s, 0.494, true);
    expect(text).toMatch(/was still rising on 3 of 4 seeds when training stopped \(validation accuracy 0\.550 over epochs 17–18 and 0\.600 over epochs 19–20, mean over 4 seeds\): under this recipe model-1 was still training/);
    expect(text).toMatch(/3 of 4 seeds' LSTMs passed the paper's 0\.494 \(validation accuracy\) at epochs 12–15; for the paper's run to end there, its LSTM would have had to leave the plateau later than any of ours/);
    expect(text).toMatch(/0\.951 of pairs if its CNNs \(0\.980, 0\.970\) err independently/);
    const seed4 = { ...s.stats, learned: { ...s.stats.learned, standardSeeds: [4] } };
    expect(whyModel1({ ...s, stats: seed4 }, 0.494, true)).toMatch(/had levelled off when training stopped .*err independently\.$/);
    const atBound = { ...seed4, table2: [...seed4.table2, { key: 'model-1', mean: 0.95, diagnostic: false }] } as unknown as StudyStats;
    expect(whyModel1({ ...s, stats: atBound }, 0.494, true)).toMatch(/Model-1 is at that bound: its CNNs, not its training, limit it\.$/);
  });
});

describe('filter lengths and claim 3\'s yardstick', () => {
  it('reads each model\'s mean filter length from filters.arrow: halving model-2\'s halves its length only', () => {
    const a = filterLengths({ dir: withHistory }, data.seeds)!;
    const b = filterLengths({ dir: halved }, data.seeds)!;
    expect(b.model2 / a.model2).toBeCloseTo(0.5, 6);
    expect(b.model1).toBeCloseTo(a.model1, 6);
    expect(a.model1).toBeGreaterThan(0);
  });

  it('names raw S and every yardstick that decides otherwise, and what length alone would do to raw S; nothing when all agree', () => {
    const cells: Partial<MultiverseCell>[] = [{ yardstick: 'raw', verdict: 'supported' }, { yardstick: 'signflip', verdict: 'supported' }, { yardstick: 'matched', verdict: 'inconclusive' }, { yardstick: 'unit', verdict: 'inconclusive' }];
    const s = study('paper', halved, { claims: [[3, 'inconclusive']], multiverse: cells });
    const ratio = filterLengths({ dir: halved }, data.seeds)!;
    const text = whyClaim3Yardstick(s)!;
    expect(text).toMatch(/^- Claim 3 \(the paper: supported, on raw S from one run\): raw S \(the paper's yardstick\) is SUPPORTED, −0\.050 \[−0\.100, −0\.010\]; signflip S is SUPPORTED, −0\.050 \[−0\.100, −0\.010\] — 1 of the 4 yardsticks, not corrected for choosing among them; unit S, which removes length and decides, says INCONCLUSIVE\./);
    const r = ratio.model2 / ratio.model1;
    expect(text).toContain(`${r.toFixed(2)}× as long as model-1's`);
    expect(text).toContain(`model-1's pair is 0.800 apart, that length alone would move the difference by about −${Math.abs((r - 1) * 0.8).toFixed(3)}`);
    const onlySignflip = cells.map((c) => (c.yardstick === 'raw' ? { ...c, verdict: 'inconclusive' as const } : c));
    expect(whyClaim3Yardstick(study('paper', halved, { claims: [[3, 'inconclusive']], multiverse: onlySignflip }))).toMatch(/: raw S \(the paper's yardstick\) is INCONCLUSIVE, .*; signflip S is SUPPORTED/);
    const allAgree = cells.map((c) => ({ ...c, verdict: 'inconclusive' as const }));
    expect(whyClaim3Yardstick(study('paper', halved, { claims: [[3, 'inconclusive']], multiverse: allAgree }))).toBeNull();
  });
});

describe('claim 1 between recipes', () => {
  const QUICK = { train: { optimizer: 'adam', learningRate: 0.001, batchSize: 64, epochs: 4 }, model: { model2Input: 'logits' } };
  const PAPER = { train: { optimizer: 'sgd', learningRate: 0.01, batchSize: 128, epochs: 100 }, model: { model2Input: 'logits' } };
  const quick = study('quick', halved, { claims: [[1, 'not supported'], [2, 'supported']], table2: [['model-1', 0.967], ['model-2', 0.942]], config: QUICK });
  it('gives model-2 − model-1 on each side and model-1\'s LSTM where the study has its curves, and names no cause', () => {
    const paper = study('paper', withHistory, { claims: [[1, 'supported'], [2, 'supported']], table2: [['model-1', 0.727], ['model-2', 0.924]], config: PAPER });
    const lines = recipeDifferences([quick, paper]);
    expect(lines.slice(0, 2)).toEqual(['Where the verdicts differ between recipes:', '']);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^- Claim 1: NOT SUPPORTED under `quick`, SUPPORTED under `paper`\. Model-2 − model-1 per study: `quick` model-2 0\.942, model-1 0\.967 \(−0\.025\); `paper` model-2 0\.924, model-1 0\.727 \(\+0\.197; model-1's LSTM still rising on 3 of 4 seeds at the end\)\./);
    expect(lines[2]).toMatch(/these recipes differ in optimiser, learning rate, batch, epochs\.$/);
    const softmax = study('paper-softmax', halved, { claims: [[1, 'inconclusive']], table2: [['model-1', 0.7], ['model-2', 0.17]], config: { ...PAPER, model: { model2Input: 'softmax' } } });
    expect(recipeDifferences([paper, softmax])[2]).toMatch(/these recipes differ only in model-2's reading\. `paper` and `paper-softmax` differ only in model-2's reading, so that setting alone changes the answer between them\.$/);
    const three = recipeDifferences([quick, paper, softmax])[2];
    expect(three).toMatch(/these recipes differ in optimiser, learning rate, batch, epochs, model-2's reading\. `paper` and `paper-softmax` differ only in model-2's reading/);
    expect(three).not.toMatch(/`quick` and `paper` differ only/);
  });

  it('says nothing when every claim gets the same verdict, or with one study', () => {
    expect(recipeDifferences([quick, { ...quick, name: 'other' }])).toEqual([]);
    expect(recipeDifferences([quick])).toEqual([]);
  });
});
