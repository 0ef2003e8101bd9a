/** Seeds whose ONNX export disagrees with tfjs are flagged and left out of the verdicts (issue #7, item 9). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStudy } from '../src/io/load.ts';
import { aggregate, formatAggregateSummary, statsRows } from '../src/report/report.ts';
import { writeSeedFolders } from './study-folder.ts';
import { onnxCheck } from '../src/stats/standard.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import type { SeedAgreement, StudyData } from '../src/stats/types.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';

const fast = { reps: 400, freshDraws: 5 };
const root = mkdtempSync(join(tmpdir(), 'fs-onnx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ok: SeedAgreement = { argmaxMismatches: 0, maxAbsDiff: 2e-7, tolerance: 1e-5, ok: true };
/** A study whose seed 3 has an argmax mismatch (model-2) and seed 5 a max |Δp| of 1e-5 (model-1). */
function study(n = 8): StudyData {
  const d = makeSyntheticStudy({ seeds: n, mode: 'paper' });
  d.agreement = {};
  for (const s of d.seeds) d.agreement[s] = { model1: { ...ok }, model2: { ...ok } };
  d.agreement[3].model2 = { argmaxMismatches: 2, maxAbsDiff: 3e-4, tolerance: 1e-5, ok: false };
  d.agreement[5].model1 = { argmaxMismatches: 0, maxAbsDiff: 1e-5, tolerance: 1e-5, ok: true }; // at the tolerance: flagged
  // make the disagreeing seeds extreme, so that including them would show
  for (const m of d.metrics) if ((m.seed === 3 || m.seed === 5) && m.model === 'model2' && m.network === 'pipeline') m.accuracy = 0.01;
  return d;
}

describe('ONNX-vs-tfjs check', () => {
  it('flags an argmax mismatch or max |Δp| ≥ 1e-5; a missing record is unknown, not flagged', () => {
    const d = study();
    delete d.agreement![7];
    const c = onnxCheck(d);
    expect(c.flagged.map((f) => [f.seed, f.model])).toEqual([[3, 'model2'], [5, 'model1']]);
    expect(c.unknown).toEqual([7]);
    expect(c.checked).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(onnxCheck(makeSyntheticStudy({ seeds: 2, mode: 'paper' })).recorded).toBe(false);
  });

  it('flagged seeds are left out of every statistic and verdict, and named in the warnings', () => {
    const d = study();
    const s = analyzeStudy(d, fast);
    expect(s.seeds).toEqual([1, 2, 4, 6, 7, 8]);
    expect(s.claims[0].numbers.differenceSeeds).toEqual([1, 2, 4, 6, 7, 8]);
    expect(s.learned.n).toBe(6);
    expect(s.table2.find((r) => r.key === 'model-2')!.n).toBe(6);
    expect(s.claims[0].effect!.estimate).toBeGreaterThan(0.3); // the 0.01 accuracies are not in it
    expect(s.warnings.join(' ')).toMatch(/seeds 3, 5 are left out of every verdict: their ONNX export disagrees with tfjs/);
    // the same study without the records keeps them
    const all = analyzeStudy({ ...study(), agreement: undefined }, fast);
    expect(all.seeds).toHaveLength(8);
  });

  it('read from seed.json by loadStudy and shown in the report, summary and stats.arrow', async () => {
    const dir = join(root, 'study');
    writeSeedFolders(dir, study());
    const back = loadStudy(dir);
    expect(back.agreement![3].model2).toMatchObject({ argmaxMismatches: 2, ok: false });
    const r = await aggregate({ dirs: [dir], cka: false, reps: 200 });
    expect(r.stats.seeds).toEqual([1, 2, 4, 6, 7, 8]);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('### ONNX export check');
    expect(md).toMatch(/Left out: seeds 3, 5\./);
    expect(md).toMatch(/\| 3 \| model2 \| 2 \| 3\.00e-4 \|/);
    expect(formatAggregateSummary(r.stats)).toMatch(/left out \(ONNX export disagrees with tfjs\): seeds 3, 5/);
    expect(statsRows(r.stats).filter((x) => x.section === 'onnx').map((x) => x.seed)).toEqual([3, 5]);
  }, 120_000);
});
