/** Model-2's learned fraction, "trained to the standard", and claim 1 on both seed sets (issue #7, item 3). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStudy } from '../src/io/load.ts';
import { writeStudyFiles } from './study-folder.ts';
import { learnedStats, LEARNED_THRESHOLD } from '../src/stats/standard.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { clopperPearson } from '../src/stats/tests.ts';
import type { StudyData } from '../src/stats/types.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';

const fast = { reps: 400, freshDraws: 5 };
const root = mkdtempSync(join(tmpdir(), 'fs-standard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Seeds in `stalled` get model-2 at the plateau (0.09); seeds in `missed` miss model-1's stop rule. */
function study(n: number, stalled: number[], missed: number[] = []): StudyData {
  const d = makeSyntheticStudy({ seeds: n, mode: 'paper' });
  for (const m of d.metrics) {
    if (m.model === 'model2' && m.network === 'pipeline' && stalled.includes(m.seed)) m.accuracy = 0.09;
    if (m.model === 'model1' && m.network === 'cnn1' && missed.includes(m.seed)) m.metStopRule = false;
  }
  return d;
}

describe('learned fraction', () => {
  it('counts model-2 test accuracy ≥ 0.5 with a Clopper–Pearson interval', () => {
    const L = learnedStats(study(6, [2]));
    expect(L.threshold).toBe(LEARNED_THRESHOLD);
    expect([L.k, L.n, L.fraction]).toEqual([5, 6, 5 / 6]);
    const cp = clopperPearson(5, 6);
    expect([L.ci.lo, L.ci.hi]).toEqual([cp.lo, cp.hi]);
    expect(L.ci.lo!).toBeCloseTo(0.3587654210025136, 10); // scipy, see stats-reference.json
    expect(L.perSeed.find((p) => p.seed === 2)).toMatchObject({ learned: false, standard: false, metStopRule: true });
    expect(L.standardSeeds).toEqual([1, 3, 4, 5, 6]);
  });

  it('a network that missed its stop rule takes its seed out of the standard; model-2 CNN rows (null) do not', () => {
    const L = learnedStats(study(6, [], [4]));
    expect(L.perSeed.find((p) => p.seed === 4)).toMatchObject({ learned: true, metStopRule: false, standard: false });
    expect(L.standardSeeds).toEqual([1, 2, 3, 5, 6]);
  });

  it('without stop-rule columns (older studies) the standard is "learned" only, and says so', () => {
    const d = study(6, [3]);
    for (const m of d.metrics) {
      delete m.metStopRule;
      delete m.epochsRun;
    }
    const L = learnedStats(d);
    expect(L.stopRuleRecorded).toBe(false);
    expect(L.standardSeeds).toEqual([1, 2, 4, 5, 6]);
  });
});

describe('claim 1 over the seeds trained to the standard (the one rule), all seeds beside it', () => {
  it('the standard seeds decide; all seeds are a secondary result with its own Holm p', () => {
    const s = analyzeStudy(study(8, [2, 7]), fast);
    const c = s.claims[0];
    expect(c.decidedOn.seedSet).toBe('standard');
    expect(c.nSeeds).toBe(6);
    expect(c.numbers.differenceSeeds).toEqual([1, 3, 4, 5, 6, 8]);
    const all = c.secondary.find((x) => x.name === 'all seeds')!;
    expect(all.seeds).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // all seeds: two stalled model-2s pull the mean down; the standard seeds: model-2 clearly better
    expect(all.effect!.estimate).toBeLessThan(c.effect!.estimate);
    expect(c.verdict).toBe('supported');
    expect(all.pAdj!).toBeGreaterThanOrEqual(all.p!);
    expect(all.verdict).not.toBe('supported');
    expect(s.learned.k).toBe(6);
    expect(c.sentence).toMatch(/^On the 6 seeds trained to the standard model-2 answered/);
    expect(c.sentence).toMatch(/6 of 8 model-2 networks learned the task \(test accuracy ≥ 0\.5; 75\.0 %, 95% CI \[0\.35, 0\.97\]\), and over all 8 seeds model-2 scored/);
  });

  it('claims 2, 3 and 4 use the same seeds: a stalled seed leaves every claim', () => {
    const s = analyzeStudy(study(8, [2, 7]), fast);
    for (const c of s.claims.slice(1)) {
      expect(c.decidedOn.seedSet, `claim ${c.claim}`).toBe('standard');
      expect(c.numbers.differenceSeeds, `claim ${c.claim}`).toEqual([1, 3, 4, 5, 6, 8]);
      expect(c.secondary.find((x) => x.name === 'all seeds')!.seeds.length, `claim ${c.claim}`).toBe(8);
    }
  });

  it('no seed trained to the standard: claim 2 has too few seeds (not "no noise floor")', () => {
    const c = analyzeStudy(study(6, [1, 2, 3, 4, 5, 6]), fast).claims[1];
    expect(c.testable).toBe(true);
    expect(c.verdict).toBe('inconclusive');
    expect(c.notes.join(' ')).toMatch(/too few seeds: 0 < 6/);
    expect(c.notes.join(' ')).not.toMatch(/no noise floor/);
  });
});

describe('load.ts reads the stop-rule columns', () => {
  it('epochs_run, best_epoch, stop_reason, met_stop_rule (null on model-2 CNN rows) round-trip', () => {
    const d = study(2, [], [1]);
    writeStudyFiles(join(root, 'a'), d);
    const back = loadStudy(join(root, 'a'));
    const row = (seed: number, model: string, network: string) => back.metrics.find((m) => m.seed === seed && m.model === model && m.network === network && m.target === 'digit_relabelled')!;
    expect(row(2, 'model1', 'cnn1')).toMatchObject({ epochsRun: 10, bestEpoch: 8, stopReason: 'plateau', metStopRule: true });
    expect(row(1, 'model2', 'cnn1').metStopRule).toBeNull();
    const digit = back.metrics.find((m) => m.seed === 1 && m.model === 'model1' && m.network === 'cnn1' && m.target === 'digit')!;
    expect(digit.metStopRule).toBe(false);
    expect(learnedStats(back).standardSeeds).toEqual([2]);
  });

  it('files without them load with the fields null, and the stop rule counts as not recorded', () => {
    const d = study(2, []);
    for (const m of d.metrics) {
      delete m.epochsRun;
      delete m.bestEpoch;
      delete m.stopReason;
      delete m.metStopRule;
    }
    writeStudyFiles(join(root, 'b'), d);
    const back = loadStudy(join(root, 'b'));
    expect(back.metrics[0].metStopRule).toBeNull();
    expect(back.metrics[0].epochsRun).toBeNull();
    const L = learnedStats(back);
    expect(L.stopRuleRecorded).toBe(false);
    expect(L.standardSeeds).toEqual([1, 2]); // learned only
  });
});
