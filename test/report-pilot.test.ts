/**
 * Pilot studies (1–5 seeds) render cleanly (issue 21, item 6): every figure is drawn (points
 * without the CI bounds that cannot be computed), and the text says what cannot be computed and
 * why instead of printing "—" for a p-value, a CI bound or a correlation.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregate, formatAggregateSummary } from '../src/report/report.ts';
import { fmtP, pIs } from '../src/report/format.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import type { StudyStats } from '../src/stats/types.ts';
import { writeStudyFiles } from './study-folder.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';
import { claimText } from '../src/report/claims.ts';

const root = mkdtempSync(join(tmpdir(), 'report-pilot-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a 2-seed pilot study', () => {
  let res: { stats: StudyStats; files: string[] };
  let md = '';
  beforeAll(async () => {
    const dir = join(root, 'pilot2');
    writeStudyFiles(dir, makeSyntheticStudy({ seeds: 2, mode: 'paper' }));
    res = await aggregate({ dirs: [dir], cka: false, reps: 200 });
    md = readFileSync(join(dir, 'report.md'), 'utf8');
  }, 120_000);

  it('draws both Table 2 figures (no "hi is NaN"), and no figure fails', () => {
    expect(res.stats.warnings.filter((w) => /could not be drawn/.test(w))).toEqual([]);
    expect(res.files.some((f) => f.endsWith('table2-digit-accuracy.svg'))).toBe(true);
    expect(res.files.some((f) => f.endsWith('table2-third-term-accuracy.svg'))).toBe(true);
  });

  it('never writes a half-open CI, "p = —" or "ρ = —"; says what is not computable', () => {
    expect(md).not.toMatch(/, —\]/);
    expect(md).not.toMatch(/\bp = —/);
    expect(md).not.toMatch(/ρ = —/);
    expect(md).toMatch(/Spearman’s ρ needs at least 3 seeds/);
    const summary = formatAggregateSummary(res.stats);
    expect(summary).not.toMatch(/p = —|, —\]/);
  });

  it('writes p-values below 0.001 as "< 0.001", never "0.000"; a missing p with its reason', () => {
    expect(md).not.toMatch(/p = 0\.000\b/);
    expect(pIs(0.0004)).toBe('p < 0.001');
    expect(pIs(0.0004, 'TOST p')).toBe('TOST p < 0.001');
    expect(fmtP(0.0004)).toBe('< 0.001');
    expect(pIs(0.012)).toBe('p = 0.012');
    expect(pIs(0.0012)).toBe('p = 0.0012');
    expect(pIs(null, 'p', 0)).toBe('p not computable (no seeds)');
  });
});

describe('a pilot whose model-2 learned on no seed', () => {
  it('claim 4 says it cannot be computed and why, instead of "p = —, n = 0 seeds … name — of test digits"', () => {
    const d = makeSyntheticStudy({ seeds: 2, mode: 'paper' });
    d.metrics = d.metrics.map((m) => (m.model === 'model2' && m.network === 'pipeline' ? { ...m, accuracy: 0.1 } : m));
    const st = analyzeStudy(d, { reps: 100 });
    const c4 = st.claims.find((c) => c.claim === 4)!;
    expect(c4.nSeeds).toBe(0);
    expect(c4.sentence).toMatch(/cannot be computed .* seeds trained to the standard .* there are none/);
    const text = `${claimText(c4, st)}\n${formatAggregateSummary(st)}`;
    expect(text).not.toMatch(/p = —|name — of|CI CI/);
    expect(text).toMatch(/p not computable \(no seeds\)/);
  });
});
