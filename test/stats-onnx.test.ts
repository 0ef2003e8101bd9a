/**
 * The ONNX export check (issue #7 item 9, issue #17 item 8): the exported graph against the trainer's
 * own forward pass; seeds whose export disagrees beyond a near-tie are flagged and left out of the
 * verdicts; old seed.json records (`onnxVsTfjs`) are still read.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStudy, readAgreement } from '../src/io/load.ts';
import { compareProbs } from '../src/onnx/ort.ts';
import { aggregate, formatAggregateSummary, statsRows } from '../src/report/report.ts';
import { writeSeedFolders } from './study-folder.ts';
import { onnxCheck } from '../src/stats/standard.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import type { SeedAgreement, StudyData } from '../src/stats/types.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';

const fast = { reps: 400, freshDraws: 5 };
const root = mkdtempSync(join(tmpdir(), 'fs-onnx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ok: SeedAgreement = { trainer: 'onnxruntime', argmaxMismatches: 0, decisiveMismatches: 0, maxAbsDiff: 2e-7, tolerance: 1e-5, ok: true };
/**
 * A study whose seed 3 has two decisive argmax mismatches (model-2), seed 5 a max |Δp| of 1e-5
 * (model-1), and seed 6 one argmax flip at a near-tie (kept).
 */
function study(n = 8): StudyData {
  const d = makeSyntheticStudy({ seeds: n, mode: 'paper' });
  d.agreement = {};
  for (const s of d.seeds) d.agreement[s] = { model1: { ...ok }, model2: { ...ok } };
  d.agreement[3].model2 = { ...ok, argmaxMismatches: 2, decisiveMismatches: 2, maxAbsDiff: 3e-4, ok: false };
  d.agreement[5].model1 = { ...ok, maxAbsDiff: 1e-5, ok: false }; // at the tolerance: flagged
  d.agreement[6].model2 = { ...ok, argmaxMismatches: 1, decisiveMismatches: 0, maxAbsDiff: 3e-7 }; // a near-tie flip: kept
  // make the disagreeing seeds extreme, so that including them would show
  for (const m of d.metrics) if ((m.seed === 3 || m.seed === 5) && m.model === 'model2' && m.network === 'pipeline') m.accuracy = 0.01;
  return d;
}

describe('ONNX export check (export vs the trainer’s forward pass)', () => {
  it('compareProbs counts an argmax flip as decisive only where the top-two gap exceeds the tolerance', () => {
    // [3 rows, 3 classes]: row 0 agrees; row 1 flips at a near-tie (top two 4e-6 apart on both sides);
    // row 2 flips with a gap of 2e-5 on side b (the larger of the two gaps decides).
    const a = Float32Array.from([0.7, 0.2, 0.1, 0.450002, 0.449998, 0.1, 0.449996, 0.450004, 0.1]);
    const b = Float32Array.from([0.7, 0.2, 0.1, 0.449998, 0.450002, 0.1, 0.450010, 0.449990, 0.1]);
    const c = compareProbs(a, b, 3);
    expect(c).toMatchObject({ argmaxMismatches: 2, decisiveMismatches: 1, firstMismatchRow: 1, ok: false });
    expect(c.maxMismatchGap).toBeCloseTo(2e-5, 6);
    // without row 2: the near-tie flip alone leaves the check passing (max |Δp| 4e-6 < 1e-5)
    expect(compareProbs(a.subarray(0, 6), b.subarray(0, 6), 3)).toMatchObject({ argmaxMismatches: 1, decisiveMismatches: 0, ok: true });
    // a large |Δp| without any flip still fails
    expect(compareProbs(Float32Array.from([0.6, 0.4]), Float32Array.from([0.7, 0.3]), 2)).toMatchObject({ argmaxMismatches: 0, ok: false });
  });

  it('flags a decisive argmax mismatch or max |Δp| ≥ 1e-5, not a near-tie flip; a missing record is unknown, not flagged', () => {
    const d = study();
    delete d.agreement![7];
    const c = onnxCheck(d);
    expect(c.flagged.map((f) => [f.seed, f.model])).toEqual([[3, 'model2'], [5, 'model1']]);
    expect(c.leftOut).toEqual([3, 5]);
    expect(c.nearTies).toBe(1); // seed 6's flip (seed 3's two are decisive)
    expect(c.trainers).toEqual(['onnxruntime']);
    expect(c.unknown).toEqual([7]);
    expect(c.checked).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(onnxCheck(makeSyntheticStudy({ seeds: 2, mode: 'paper' })).recorded).toBe(false);
  });

  it('an old record (onnxVsTfjs, no gaps recorded) counts every argmax mismatch', () => {
    const d = study();
    d.agreement![6].model2 = { ...d.agreement![6].model2, trainer: null, decisiveMismatches: null };
    expect(onnxCheck(d).leftOut).toEqual([3, 5, 6]);
  });

  it('flagged seeds are left out of every statistic and verdict, and named in the warnings', () => {
    const d = study();
    const s = analyzeStudy(d, fast);
    expect(s.seeds).toEqual([1, 2, 4, 6, 7, 8]);
    expect(s.claims[0].numbers.differenceSeeds).toEqual([1, 2, 4, 6, 7, 8]);
    expect(s.learned.n).toBe(6);
    expect(s.table2.find((r) => r.key === 'model-2')!.n).toBe(6);
    expect(s.claims[0].effect!.estimate).toBeGreaterThan(0.3); // the 0.01 accuracies are not in it
    expect(s.warnings.join(' ')).toMatch(/seeds 3, 5 are left out of every verdict: their exported ONNX graph disagrees with the trainer's forward pass \(onnxruntime: /);
    // the same study without the records keeps them
    const all = analyzeStudy({ ...study(), agreement: undefined }, fast);
    expect(all.seeds).toHaveLength(8);
  });

  it('read from seed.json by loadStudy and shown in the report, summary and stats.arrow', async () => {
    const dir = join(root, 'study');
    writeSeedFolders(dir, study());
    const back = loadStudy(dir);
    expect(back.agreement![3].model2).toMatchObject({ trainer: 'onnxruntime', argmaxMismatches: 2, decisiveMismatches: 2, ok: false });
    expect(JSON.parse(readFileSync(join(dir, 'seeds', 'seed-0003', 'seed.json'), 'utf8'))).not.toHaveProperty('onnxVsTfjs');
    const r = await aggregate({ dirs: [dir], cka: false, reps: 200 });
    expect(r.stats.seeds).toEqual([1, 2, 4, 6, 7, 8]);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('### ONNX export check');
    expect(md).toMatch(/The exported ONNX graphs against the trainer's forward pass \(onnxruntime\) on every test pair/);
    expect(md).toMatch(/The check leaves out 2 seeds \(3, 5\)\.\*\* 1 argmax flip at a near-tie \(top-two gap ≤ 0\.00001\) not counted\./);
    expect(md).toMatch(/\| 3 \| model2 \| onnxruntime \| 2 \| 2 \| 3\.00e-4 \|/);
    expect(formatAggregateSummary(r.stats)).toMatch(/export check \(the exported ONNX graphs against the trainer's forward pass \(onnxruntime\)\): leaves out 2 of 8 checked seeds \(3, 5\); 1 near-tie argmax flip not counted/);
    const rows = statsRows(r.stats).filter((x) => x.section === 'onnx');
    expect(rows.map((x) => [x.statistic, x.seed, x.value])).toEqual([['seeds_left_out', null, 2], ['max_abs_diff', 3, 3e-4], ['max_abs_diff', 5, 1e-5]]);
  }, 120_000);

  it('reads old seed.json records (onnxVsTfjs): the trainer from the backend, every argmax mismatch counted', () => {
    // A real old record: the committed v1 fixture (wasm backend, field onnxVsTfjs).
    const v1 = readAgreement(join(import.meta.dirname, 'fixtures', 'study-v1'));
    expect(v1[1].model1).toMatchObject({ trainer: 'tfjs wasm', argmaxMismatches: 0, decisiveMismatches: null, ok: true });
    // An old record of an onnxruntime seed with one flip: the flip's gap is unknown, so the seed is left out.
    const dir = join(root, 'old');
    writeSeedFolders(dir, study(6));
    const file = join(dir, 'seeds', 'seed-0002', 'seed.json');
    const j = JSON.parse(readFileSync(file, 'utf8'));
    const { exportVsTrainer, ...rest } = j;
    const old = { model1: { rows: 10000, classes: 28, argmaxMismatches: 1, firstMismatchRow: 7, maxAbsDiff: 3e-7, tolerance: 1e-5, ok: false }, model2: { ...exportVsTrainer.model2 } };
    delete old.model2.trainer;
    delete old.model2.decisiveMismatches;
    writeFileSync(file, JSON.stringify({ ...rest, backend: 'onnxruntime', onnxVsTfjs: old }));
    const back = loadStudy(dir);
    expect(back.agreement![2].model1).toEqual({ trainer: 'onnxruntime', argmaxMismatches: 1, decisiveMismatches: null, maxAbsDiff: 3e-7, tolerance: 1e-5, ok: false });
    expect(onnxCheck(back).leftOut).toEqual([2, 3, 5]);
  });
});
