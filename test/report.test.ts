import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateCommand } from '../src/cli/aggregate.ts';
import { FilterstudyError } from '../src/errors.ts';
import { loadStudy } from '../src/io/load.ts';
import { aggregate, buildReport, formatAggregateSummary, STATS_COLUMNS, statsRows, type ReportContext } from '../src/report/report.ts';
import { writeStudyFiles } from './study-folder.ts';
import { buildFigures } from '../src/report/doc-figures.ts';
import { renderMarkdown } from '../src/report/md.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import type { StudyData, StudyStats } from '../src/stats/types.ts';
import { analyzeStudy } from '../src/stats/verdicts.ts';

const root = mkdtempSync(join(tmpdir(), 'report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SECTIONS = [
  'Answers to the paper’s claims', 'Table 2: test accuracy', 'Figures 4 and 5: filter distance heatmaps', 'The learned filters',
  'Distributions of S_i across seeds', 'S_i against the accuracy gap', 'Scale-aware variants and one-to-one matching', 'CKA', 'Methods', 'Limitations',
];

async function expectError(f: () => Promise<unknown>): Promise<FilterstudyError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(FilterstudyError);
    return e as FilterstudyError;
  }
  throw new Error('expected an error');
}

describe('aggregate: synthetic "paper" study in two folders', () => {
  const data = makeSyntheticStudy({ seeds: 7, mode: 'paper' });
  const a = join(root, 'a');
  const b = join(root, 'b');
  const out = join(root, 'report');
  let res: { stats: StudyStats; files: string[] };

  beforeAll(async () => {
    writeStudyFiles(a, data, { seeds: [1, 2, 3, 4] });
    writeStudyFiles(b, data, { seeds: [5, 6, 7] });
    res = await aggregate({ dirs: [a, b], outDir: out, cka: false, reps: 200, seedForFigures: 5 });
  });

  it('writes the files in the project schemas that loadStudy reads back', () => {
    const d = loadStudy([a, b]);
    expect(d.seeds).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(d.configHash).toBe('synthetic-paper');
    expect(d.filters).toHaveLength(data.filters.length);
  });

  it('writes stats, report and figures', () => {
    for (const f of ['stats.json', 'stats.arrow', 'report.md', 'report.html', 'figures/table2-digit-accuracy.svg', 'figures/table2-third-term-accuracy.svg', 'figures/fig4-model1-cnn1-to-model1-cnn2.svg', 'figures/fig5-model2-cnn2-to-model1-cnn2.svg', 'figures/filters-model2-cnn1-init.svg', 'figures/s-per-seed.svg', 'figures/s-vs-accuracy-gap.svg', 'figures/claim1-accuracy-profile.svg']) {
      expect(existsSync(join(out, f)), f).toBe(true);
      expect(res.files).toContain(join(out, f));
    }
    expect(res.files.filter((f) => /fig[45]-.*\.svg$/.test(f))).toHaveLength(8);
    expect(res.files.filter((f) => /filters-.*\.svg$/.test(f))).toHaveLength(8);
    expect(res.files.every((f) => existsSync(f))).toBe(true);
  });

  it('stats.json parses and has the seeds of both folders', () => {
    const st = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as StudyStats;
    expect(st.seeds).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(st.table2.map((r) => r.key).slice(0, 4)).toEqual(['CNN1', 'CNN2', 'model-1', 'model-2']);
    expect(st.table2.filter((r) => r.target === 'digit_relabelled')).toHaveLength(4); // claim 4's rows
    expect(st.cka).toBeNull();
    expect(st).toEqual(JSON.parse(JSON.stringify(res.stats)));
  });

  it('stats.arrow is an Arrow IPC file with the documented columns', () => {
    const bytes = readFileSync(join(out, 'stats.arrow'));
    expect(bytes.subarray(0, 6).toString()).toBe('ARROW1'); // file format, not stream
    const t = tableFromIPC(bytes);
    expect(t.schema.fields.map((f) => f.name)).toEqual([...STATS_COLUMNS]);
    const meta = JSON.parse(t.schema.metadata.get('filterstudy')!);
    expect(meta.configHash).toBe('synthetic-paper');
    expect([meta.level, meta.claimLevel]).toEqual([0.95, 0.9]); // a plain study: the claims' CIs at 1 − 2α, the one-sided 95 % bound
    const rows = t.toArray().map((r) => r.toJSON() as Record<string, unknown>);
    const verdicts = rows.filter((r) => r.section === 'claim' && r.statistic === 'verdict' && r.variant === null);
    expect(verdicts.map((r) => r.text)).toEqual(['supported', 'supported', 'supported', 'supported']);
    const secondary = rows.filter((r) => r.section === 'claim' && r.statistic === 'verdict' && r.variant === 'secondary');
    // Beside each decision (seeds trained to the standard; claims 2 and 3 on the unit yardstick):
    // all seeds, and for claims 2 and 3 the paper's raw S.
    expect(secondary.map((r) => [r.key, r.text])).toEqual([
      ['claim1', 'all seeds: supported'],
      ['claim2', "raw S (the paper's measure): supported"], ['claim2', 'all seeds: supported'],
      ['claim3', "raw S (the paper's measure): supported"], ['claim3', 'all seeds: supported'],
      ['claim4', 'all seeds: supported'],
    ]);
    expect(rows.filter((r) => r.section === 'claim' && r.statistic === 'decided_on').map((r) => r.text)).toEqual(['seeds: standard', 'seeds: standard; yardstick: unit', 'seeds: standard; yardstick: unit', 'seeds: standard']);
    // The multiverse: 4 claims × 5 yardsticks × 2 seed sets verdicts, and one word per claim.
    expect(rows.filter((r) => r.section === 'multiverse' && r.statistic === 'verdict')).toHaveLength(40);
    expect(rows.filter((r) => r.section === 'multiverse' && r.statistic === 'summary').map((r) => r.text)).toEqual(res.stats.multiverseSummary.map((m) => m.summary));
    expect(rows.filter((r) => r.section === 'claim' && r.statistic === 'sentence')).toHaveLength(4);
    expect(rows.find((r) => r.section === 'learned' && r.statistic === 'fraction')!.value).toBe(1);
    expect(rows.find((r) => r.key === 'claim1' && r.statistic === 'p_improvement')!.value).toBe(1); // model-2 wins on all 7 seeds
    const cnn1 = rows.find((r) => r.section === 'table2' && r.key === 'CNN1' && r.statistic === 'mean' && r.seed === null)!;
    expect(cnn1.value).toBeCloseTo(res.stats.table2[0].mean, 12);
    expect(cnn1.lo).toBe(res.stats.table2[0].ci.lo);
    expect(cnn1.n).toBe(7);
    const perSeed = rows.filter((r) => r.section === 'table2' && r.key === 'model-2' && r.statistic === 'accuracy');
    expect(perSeed.map((r) => r.seed)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const raw = rows.filter((r) => r.section === 'similarity' && r.key === 'model1.cnn1 -> model1.cnn2' && r.variant === 'raw' && r.statistic === 'mean_S' && r.seed === null);
    expect(raw).toHaveLength(1);
    expect(raw[0].value).toBeCloseTo(res.stats.comparisons[0].variants.raw.mean, 12);
  });

  it('report.html is self-contained, has every section and inline SVG figures', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    for (const s of SECTIONS) expect(html, s).toContain(s.replace('S_i', 'S<sub>i</sub>'));
    expect((html.match(/<svg[\s>]/g) ?? []).length).toBeGreaterThanOrEqual(8 + 8 + 4);
    expect(html).not.toMatch(/<script|<link|src="http|href="http|<\?xml/);
    expect(html).toContain('synthetic-paper');
    expect(html).toMatch(/Figures drawn for<\/dt><dd>seed 5/);
    expect(html).toMatch(/Claim 1:[^]*?badge supported[^]*?Claim 2:[^]*?badge supported[^]*?Claim 3:[^]*?badge supported/);
    expect(html).toContain('CKA was not computed (--no-cka).');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/### Claim 2: .* — \*\*SUPPORTED\*\*/);
    expect(md).toContain('](figures/fig4-model1-cnn1-to-model1-cnn2.svg)');
    expect(md).toContain('| CNN1 | digit | 7 |');
  });

  it('verdicts match the synthetic ground truth', () => {
    expect(res.stats.claims.map((c) => c.verdict)).toEqual(['supported', 'supported', 'supported', 'supported']);
    const text = formatAggregateSummary(res.stats);
    expect(text).toMatch(/1\. SUPPORTED/);
    expect(text).toMatch(/model-2 +0\.8\d{3}/);
  });
});

describe('aggregate: other ground truths and small studies', () => {
  it("'identical' study: claim 2 not supported; too few seeds: inconclusive with a note", async () => {
    const id = makeSyntheticStudy({ seeds: 6, mode: 'identical' });
    writeStudyFiles(join(root, 'id'), id);
    const r = await aggregate({ dirs: [join(root, 'id')], cka: false, reps: 100 });
    expect(r.stats.claims[1].verdict).toBe('not supported');
    expect(readFileSync(join(root, 'id', 'report.html'), 'utf8')).toMatch(/Claim 2:[^]*?badge not-supported/);

    const few = makeSyntheticStudy({ seeds: 3, mode: 'paper' });
    writeStudyFiles(join(root, 'few'), few);
    const r2 = await aggregate({ dirs: [join(root, 'few')], outDir: join(root, 'few-report'), cka: false, reps: 100 });
    expect(r2.stats.claims.map((c) => c.verdict)).toEqual(['inconclusive', 'inconclusive', 'inconclusive', 'inconclusive']);
    const html = readFileSync(join(root, 'few-report', 'report.html'), 'utf8');
    expect(html).toContain('too few seeds: 3 &lt; 6');
    expect(html).toContain('Only 3 complete seeds');
  });

  it('computes CKA on MNIST test images (2 seeds)', async () => {
    writeStudyFiles(join(root, 'cka'), makeSyntheticStudy({ seeds: 2, mode: 'paper' }));
    const r = await aggregate({ dirs: [join(root, 'cka')], reps: 50 });
    expect(r.stats.cka?.images).toBe(1000);
    expect(Object.keys(r.stats.cka!.comparisons)).toHaveLength(4);
    expect(existsSync(join(root, 'cka', 'figures', 'cka.svg'))).toBe(true);
    expect(readFileSync(join(root, 'cka', 'report.html'), 'utf8')).toMatch(/mean CKA/);
  });
});

describe('report details from the StudyStats', () => {
  const ctx = (data: StudyData): ReportContext => ({
    studyId: 'test', sources: data.sources, configHash: data.configHash, backend: 'synthetic', dataSource: 'synthetic', date: '2024-01-01',
    dataFiles: [], dataWritten: null, figureSeed: data.seeds[0], ckaNote: null, synthetic: true,
  });
  const fast = { reps: 100, freshDraws: 3 };

  it("model-2's CNN digit rows are labelled diagnostic in the table, terminal summary and digit figure", async () => {
    const data = makeSyntheticStudy({ seeds: 6, mode: 'paper' });
    for (const seed of data.seeds) {
      for (const network of ['cnn1', 'cnn2']) {
        data.metrics.push({ seed, model: 'model2', network, split: 'test', target: 'digit', accuracy: 0.12, loss: 2, n: 5000, trainSeconds: 1, backend: 'synthetic' });
      }
    }
    const st = analyzeStudy(data, fast);
    const label = 'model-2 CNN1 (diagnostic: never trained on digits)';
    expect(formatAggregateSummary(st)).toContain(`  ${label} `);
    expect(formatAggregateSummary(st)).not.toMatch(/^ +model2\.cnn1\.digit/m);
    const warnings: string[] = [];
    const fig = await buildFigures(data, st, 1, warnings);
    expect(warnings).toEqual([]);
    const digit = fig.table2.find((f) => f.file === 'figures/table2-digit-accuracy.svg')!;
    expect(digit.svg).toContain('diagnostic');
    expect(digit.caption).toMatch(/model-1’s digit classifiers.*diagnostic.*never see a digit label/);
    const md = renderMarkdown(buildReport(ctx(data), st, fig));
    expect(md).toContain(`| ${label} | digit | 6 |`);
    expect(md).toMatch(/not classifiers: model-2’s CNNs/);
    expect(statsRows(st).find((r) => r.section === 'table2' && r.key === 'model2.cnn1.digit' && r.statistic === 'mean')!.text).toBe(label);
    // without such rows the caption says only what the figure shows
    const plain = await buildFigures(makeSyntheticStudy({ seeds: 6, mode: 'paper' }), analyzeStudy(makeSyntheticStudy({ seeds: 6, mode: 'paper' }), fast), 1, []);
    expect(plain.table2[0].caption).not.toMatch(/diagnostic/);
  });

  it('the noise-floor reference line is on the figures\' raw scale; without it claim 2 says it cannot be tested', async () => {
    const data = makeSyntheticStudy({ seeds: 6, mode: 'paper' });
    const st = analyzeStudy(data, fast);
    const fig = await buildFigures(data, st, 1, []);
    // Claim 2 is decided on unit S; the figures plot raw S, so the line is the raw noise floor.
    expect(fig.distSeeds!.svg).toContain('noise floor, raw S (CNN1 vs its rerun)');
    const rawFig = await buildFigures(data, analyzeStudy(data, { ...fast, yardstick: 'raw' }), 1, []);
    expect(rawFig.distSeeds!.svg).toContain('claim-2 noise floor (CNN1 vs its rerun)');
    const md = renderMarkdown(buildReport(ctx(data), st, fig));
    expect(md).toMatch(/noise floor \(CNN1 ↔ its rerun from the same initial weights, other data order\) 0\.\d{3}/);
    expect(md).toContain('Effect on the scale noise floor = 0, unrelated = 1');

    const off = makeSyntheticStudy({ seeds: 6, mode: 'paper', noiseFloor: false });
    const st2 = analyzeStudy(off, fast);
    expect(st2.claims[1].verdict).toBe('inconclusive');
    expect(st2.claims[1].testable).toBe(false);
    const fig2 = await buildFigures(off, st2, 1, []);
    expect(fig2.distSeeds!.svg).not.toContain('noise floor, raw S');
    const md2 = renderMarkdown(buildReport(ctx(off), st2, fig2));
    expect(md2).toMatch(/Claim 2 cannot be tested on this study: without the noise floor/);
  });

  it('claim 3 without train.sharedInit: part (a) reported as descriptive with the reason', async () => {
    const data = makeSyntheticStudy({ seeds: 6, mode: 'paper', sharedInit: false });
    const st = analyzeStudy(data, fast);
    const md = renderMarkdown(buildReport(ctx(data), st, await buildFigures(data, st, 1, [])));
    expect(md).toMatch(/\(a\) \[descriptive\]/);
    expect(md).toMatch(/train\.sharedInit = false.*false by construction.*part \(b\) alone.*`--set train\.sharedInit=true`/);
    expect(md).toContain('Claim 3’s effect is part (b)');
    expect(formatAggregateSummary(st)).toMatch(/note: part \(a\) is descriptive/);
    const eff = statsRows(st).filter((r) => r.section === 'claim' && r.key === 'claim3' && r.statistic === 'effect' && r.variant !== 'secondary');
    expect(eff.map((r) => [r.variant, r.text])).toEqual([['a', 'descriptive'], ['b', 'tested']]);
  });

  it("stats.arrow labels claim 1's per-seed differences with the seeds they were computed on", () => {
    const data = makeSyntheticStudy({ seeds: 7, mode: 'paper' });
    data.filters = data.filters.filter((f) => !(f.seed === 2 && f.stage === 'trained')); // seed 2: accuracies only
    const st = analyzeStudy(data, fast);
    expect(st.seeds).toEqual([1, 3, 4, 5, 6, 7]);
    const rows = statsRows(st).filter((r) => r.key === 'claim1' && r.statistic === 'difference');
    expect(rows.map((r) => r.seed)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const acc = (seed: number, model: string) => data.metrics.find((m) => m.seed === seed && m.model === model && m.network === 'pipeline')!.accuracy;
    for (const r of rows) expect(r.value!).toBeCloseTo(acc(r.seed!, 'model2') - acc(r.seed!, 'model1'), 15);
  });
});

describe('aggregate: errors', () => {
  it('a bad folder gives E_OUTPUT naming it', async () => {
    const bad = join(root, 'bad');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'filters.arrow'), 'not arrow');
    writeFileSync(join(bad, 'metrics.arrow'), 'not arrow');
    const e = await expectError(() => aggregate({ dirs: [bad], cka: false }));
    expect(e.code).toBe('E_OUTPUT');
    expect(e.message).toContain(bad);
    const missing = join(root, 'does-not-exist');
    const e2 = await expectError(() => aggregate({ dirs: [join(root, 'a'), missing], cka: false }));
    expect(e2.code).toBe('E_OUTPUT');
    expect(e2.message).toContain(missing);
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    const e3 = await expectError(() => aggregate({ dirs: [empty], cka: false }));
    expect(e3.code).toBe('E_OUTPUT');
    expect(e3.message).toContain(join(empty, 'filters.arrow'));
  });

  it('rejects an unknown figure seed and bad CLI numbers', async () => {
    writeStudyFiles(join(root, 'one'), makeSyntheticStudy({ seeds: 1, mode: 'paper' }));
    const e = await expectError(() => aggregate({ dirs: [join(root, 'one')], cka: false, reps: 20, seedForFigures: 99 }));
    expect(e.code).toBe('E_CONFIG');
    expect(e.hint).toContain('1');
    const cmd = aggregateCommand().exitOverride();
    const e2 = await expectError(() => cmd.parseAsync(['node', 'aggregate', join(root, 'one'), '--reps', 'many', '--no-cka'], { from: 'node' }));
    expect(e2.code).toBe('E_CONFIG');
    expect(e2.message).toMatch(/--reps/);
  });
});
