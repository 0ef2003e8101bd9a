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
import { climbAtEnd, type CuratedStudy, filterLengths, recipeDifferences, whyClaim3Yardstick, whyModel1 } from '../src/report/findings-why.ts';
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
}));

const root = tempDir();
const withHistory = join(root, 'with-history');
writeSeedFolders(withHistory, data, { history });
const halved = join(root, 'model2-halved');
writeSeedFolders(halved, { ...data, filters: data.filters.map((f) => (f.model === 'model2' && f.stage === 'trained' ? { ...f, weights: f.weights.map((w) => w.map((x) => x / 2)) } : f)) });

function study(name: string, dir: string, o: { claims?: [number, Verdict][]; table2?: [string, number][]; multiverse?: Partial<MultiverseCell>[] } = {}): CuratedStudy {
  const stats = {
    seeds: data.seeds,
    learned: { standardSeeds: data.seeds },
    table2: (o.table2 ?? []).map(([key, mean]) => ({ key, mean, diagnostic: false })),
    claims: (o.claims ?? []).map(([claim, verdict]) => ({ claim, verdict, decidedOn: { seedSet: 'standard', yardstick: claim === 2 || claim === 3 ? 'unit' : null } })),
    multiverse: (o.multiverse ?? []).map((c) => ({ claim: 3, seedSet: 'standard', estimate: -0.05, lo: -0.1, hi: -0.01, p: 0.01, pHolm: 0.01, nSeeds: 4, ...c })),
  } as unknown as StudyStats;
  return { name, dir, stats };
}

describe('model-1 still learning: from the seeds\' own curves', () => {
  it('counts the seeds still rising over the last tenth and when each passed a figure', () => {
    const c = climbAtEnd({ dir: withHistory }, 'model-1 LSTM', data.seeds, 0.494)!;
    expect(c).toMatchObject({ seeds: 4, rising: 3, fromEpoch: 18, toEpoch: 20 });
    expect(c.from).toBeCloseTo((0.59 + 0.77 + 0.59 + 0.3) / 4, 6);
    expect(c.to).toBeCloseTo((0.65 + 0.85 + 0.65 + 0.3) / 4, 6);
    expect(c.reached).toEqual([15, 12, 15, null]); // 0.05 + 0.03·15 = 0.50, 0.05 + 0.04·12 = 0.53
    expect(climbAtEnd({ dir: withHistory }, 'model-1 LSTM', [4])).toMatchObject({ seeds: 1, rising: 0 });
    expect(climbAtEnd({ dir: halved }, 'model-1 LSTM', data.seeds)).toBeNull(); // no history: no claim about it
  });

  it('says so in the model-1 line, with the epochs at which the paper\'s figure was passed and the CNNs\' bound', () => {
    const s = study('paper', withHistory, { table2: [['CNN1', 0.98], ['CNN2', 0.97]] });
    const text = whyModel1(s, 0.494, true);
    expect(text).toMatch(/was still rising when training stopped on 3 of 4 seeds \(validation accuracy 0\.563 at epoch 18 and 0\.612 at epoch 20/);
    expect(text).toMatch(/passed the paper's 0\.494 \(validation\) at epochs 12–15/);
    expect(text).toMatch(/0\.951 of pairs .*CNN1 0\.980 × CNN2 0\.970/);
    const levelled = whyModel1({ ...s, stats: { ...s.stats, learned: { ...s.stats.learned, standardSeeds: [4] } } }, 0.494, true);
    expect(levelled).toMatch(/had levelled off when training stopped .*limited by its CNNs, not by training/);
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

  it('names the length-keeping yardsticks that decide otherwise, those that agree and the length ratio; nothing when all agree', () => {
    const cells: Partial<MultiverseCell>[] = [{ yardstick: 'raw', verdict: 'supported' }, { yardstick: 'signflip', verdict: 'supported' }, { yardstick: 'matched', verdict: 'inconclusive' }, { yardstick: 'unit', verdict: 'inconclusive' }];
    const s = study('paper', halved, { claims: [[3, 'inconclusive']], multiverse: cells });
    const ratio = filterLengths({ dir: halved }, data.seeds)!;
    const text = whyClaim3Yardstick(s)!;
    expect(text).toMatch(/^- Claim 3 \(the paper: supported, on raw S\): the paper's raw S says SUPPORTED \(−0\.050 \[−0\.100, −0\.010\]\), signflip S says SUPPORTED \(−0\.050 \[−0\.100, −0\.010\]\) \(matched S, which also keep length, agree with the decision\)/);
    expect(text).toContain(`${(ratio.model2 / ratio.model1).toFixed(2)}× as long as model-1's`);
    expect(text).toMatch(/unit S, which decides\) it is INCONCLUSIVE/);
    const onlySignflip = cells.map((c) => (c.yardstick === 'raw' ? { ...c, verdict: 'inconclusive' as const } : c));
    expect(whyClaim3Yardstick(study('paper', halved, { claims: [[3, 'inconclusive']], multiverse: onlySignflip }))).toMatch(/^- Claim 3 \(the paper: supported, on raw S\): signflip S says SUPPORTED .*\(raw S and matched S, which also keep length, agree with the decision\)/);
    const allAgree = cells.map((c) => ({ ...c, verdict: 'inconclusive' as const }));
    expect(whyClaim3Yardstick(study('paper', halved, { claims: [[3, 'inconclusive']], multiverse: allAgree }))).toBeNull();
  });
});

describe('claim 1 between recipes', () => {
  const quick = study('quick', halved, { claims: [[1, 'not supported'], [2, 'supported']], table2: [['model-1', 0.967], ['model-2', 0.942]] });
  it('names the accuracy that moved, and model-1\'s LSTM where the study has its curves', () => {
    const paper = study('paper', withHistory, { claims: [[1, 'supported'], [2, 'supported']], table2: [['model-1', 0.727], ['model-2', 0.924]] });
    const lines = recipeDifferences([quick, paper]);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^- Claim 1: NOT SUPPORTED under `quick`, SUPPORTED under `paper`\. Model-2 scores 0\.942 \(`quick`\), 0\.924 \(`paper`\); model-1 0\.967 \(`quick`\), 0\.727 \(`paper`\): what moves between the recipes is model-1 \(under `paper` its LSTM was still rising on 3 of 4 seeds when training stopped\)/);
    const m2moved = study('paper', withHistory, { claims: [[1, 'supported']], table2: [['model-1', 0.96], ['model-2', 0.99]] });
    expect(recipeDifferences([quick, m2moved])[2]).toMatch(/what moves between the recipes is model-2\./);
  });

  it('says nothing when every claim gets the same verdict, or with one study', () => {
    expect(recipeDifferences([quick, { ...quick, name: 'other' }])).toEqual([]);
    expect(recipeDifferences([quick])).toEqual([]);
  });
});
