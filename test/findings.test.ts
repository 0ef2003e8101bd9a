/**
 * Findings over several curated studies, the recipe as an axis (issue 18, items 3 and 5): a
 * results/ folder holding the main job's study (a copy of results/quick) and a second study under
 * another recipe (the paper preset: SGD, 100 epochs — a synthetic study curated by the real
 * `curate`, its config differing from quick's in many keys) gives
 * - the findings page and README box with one column per recipe, named by it, and the between-
 *   recipe paired test computed on the shared seeds; no "not in results/ yet" line for it;
 * - with results/quick alone, one generated line per missing study and no paired test;
 * - `compare` of the two: the recipes in the column headers and the paired test per claim, and
 *   "not comparable" when the studies decide on different yardsticks.
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { curateAction } from '../src/cli/curate.ts';
import { defaultCompareOut } from '../src/cli/compare.ts';
import { pairedClaimTests } from '../src/report/compare-paired.ts';
import { compareStudies } from '../src/report/compare.ts';
import { curvesSvg, duration, findingsMarkdown, mainResultMarkdown, missingStudies, readCuratedStudies, type CuratedStudy } from '../src/report/findings.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';
import { wilcoxon } from '../src/stats/tests.ts';
import type { StudyStats } from '../src/stats/types.ts';
import { tempDir } from './helpers.ts';
import { writeSeedFolders } from './study-folder.ts';

const RESULTS = join(import.meta.dirname, '..', 'results');
const PAPER_CONFIG = {
  name: 'paper', preset: 'paper', seeds: { start: 1, count: 6 },
  model: { model2Input: 'logits', lstmInput: 'onehot' },
  train: { optimizer: 'sgd', learningRate: 0.01, batchSize: 128, epochs: 100, stopRule: 'fixed', momentum: 0 },
};

describe('findings and compare over two recipes', () => {
  const root = tempDir();
  const results = join(root, 'results');
  let studies: CuratedStudy[];
  /** Seeds both studies decide every claim on: results/quick's standard seeds among the paper study's 1–6 (all 6 today). */
  let shared: number[];
  beforeAll(async () => {
    cpSync(join(RESULTS, 'quick'), join(results, 'quick'), { recursive: true });
    const src = join(root, 'out-paper');
    writeSeedFolders(src, { ...makeSyntheticStudy({ seeds: 6, mode: 'paper' }), configHash: 'p1', config: PAPER_CONFIG }, { study: 'paper' });
    await curateAction(src, join(results, 'paper'), { command: 'test: a synthetic paper-preset study' });
    studies = readCuratedStudies(results);
    shared = studies[0].stats.learned.standardSeeds.filter((x) => x <= 6);
  }, 300_000);

  it('reads both, the main job first, and misses only the softmax-reading study', () => {
    expect(studies.map((s) => s.name)).toEqual(['quick', 'paper']);
    expect(missingStudies(studies).map((c) => c.folder)).toEqual(['paper-softmax']);
    expect(missingStudies(studies.slice(0, 1)).map((c) => c.folder)).toEqual(['paper', 'paper-softmax']);
  });

  it('pairs every claim on the shared seeds although the configs differ in many keys', () => {
    expect(shared.length).toBeGreaterThanOrEqual(5); // the test is about pairing: it needs seeds to pair
    const paired = pairedClaimTests(studies);
    expect(paired.map((t) => t.claim)).toEqual([1, 2, 3, 4]);
    for (const t of paired) {
      expect(t.seeds, `claim ${t.claim}`).toEqual(shared);
      // The same test by hand from the two stats.json files: paper − quick per shared seed.
      const d = (st: StudyStats, seed: number) => {
        const c = st.claims.find((x) => x.claim === t.claim)!;
        return (c.numbers.perSeedDifference as number[])[(c.numbers.differenceSeeds as number[]).indexOf(seed)];
      };
      const diff = shared.map((seed) => d(studies[1].stats, seed) - d(studies[0].stats, seed));
      expect(t.p, `claim ${t.claim}`).toBeCloseTo(wilcoxon(diff, undefined, { alternative: 'two-sided' }).p, 12);
    }
  });

  it('the findings page: a column per recipe, the paired test, the learned fraction per study, one line for the missing study', async () => {
    const md = findingsMarkdown(studies);
    for (const h of ['quick (Adam, 4 epochs, reads logits)', 'paper (SGD, 100 epochs, reads logits)']) expect(md).toContain(h);
    expect(md).toContain('SGD lr 0.01, batch 128, 100 epochs, model-2 reads logits (paper preset)');
    expect(md).toMatch(/\| `paper` − `quick` \|/);
    expect(md.match(new RegExp(`\\| \\d\\. [^|]+ \\| median Δ [−+]\\d\\.\\d{4}, p [=<] [\\d.]+, ${shared.length} shared seeds \\|`, 'g'))).toHaveLength(4);
    for (const s of studies) {
      const l = s.stats.learned;
      expect(md).toContain(`| \`${s.name}\` | `);
      expect(md).toContain(`${l.k} of ${l.n} seeds (≥ ${l.threshold}), [${l.ci.lo!.toFixed(3)}, ${l.ci.hi!.toFixed(3)}]`);
    }
    expect(md).not.toMatch(/`results\/paper`, .*not in results\/ yet/);
    expect(md.match(/not in results\/ yet/g)).toHaveLength(1); // paper-softmax, in the studies list
    expect(md).toContain('- Table 1 with the softmax reading: no curated study yet (`results/paper-softmax`');
    expect(md).not.toContain('- Table 1 with the logits reading');
    expect(md).toContain('![Learning curves of quick](figures/curves-quick.svg)');
    expect(md).toContain("`paper` has no epochs in its seeds' history.arrow: no learning curves."); // synthetic seeds: empty history
    expect(await curvesSvg(studies[1])).toBeNull();
    const box = mainResultMarkdown(studies);
    expect(box.split('\n')[0]).toBe(`| | paper (one run) | \`quick\`: ${studies[0].stats.seeds.length} seeds | \`paper\`: 6 seeds |`);
    expect(box).toContain('Not in results/ yet: `paper-softmax` (Table 1, softmax reading).');
  });

  it('with results/quick alone: one generated line per missing study, no numbers for them, no paired test', async () => {
    const one = studies.slice(0, 1);
    const md = findingsMarkdown(one);
    expect(md).toMatch(/- `results\/paper`, the paper's Table 1, logits reading: not in results\/ yet \(`npx filterstudy run --preset paper`/);
    expect(md).toContain('only `quick` is in results/, so there is no second recipe');
    expect(md).not.toContain('shared seeds');
    expect(mainResultMarkdown(one)).toContain('Not in results/ yet: `paper` (Table 1, logits reading); `paper-softmax` (Table 1, softmax reading).');
    expect(await curvesSvg(one[0])).toContain('<svg');
  });

  it('compare names the recipes in its headers and pairs the claims; a different yardstick is not comparable', async () => {
    const dirs = studies.map((s) => s.dir);
    expect(defaultCompareOut(dirs)).toBe(join('out', 'quick-vs-paper.compare'));
    const out = join(root, 'cmp');
    const res = await compareStudies({ dirs, outDir: out });
    expect(res.text).toContain('recipes:\n  quick: Adam lr 0.001, batch 64, 4 epochs, model-2 reads logits (quick preset)\n  paper: SGD lr 0.01, batch 128, 100 epochs, model-2 reads logits (paper preset)');
    expect(res.text.match(new RegExp(`claim \\d, paper: median Δ [−+]\\d\\.\\d{4}, p [=<] [\\d.]+, ${shared.length} shared seeds`, 'g'))).toHaveLength(4);
    const md = readFileSync(join(out, 'compare.md'), 'utf8');
    expect(md).toContain('| claim | quick (Adam, 4 epochs, reads logits) | paper (SGD, 100 epochs, reads logits) |');
    expect(md).toContain('paper (SGD, 100 epochs, reads logits) − quick');
    expect(existsSync(join(out, 'compare.json'))).toBe(true);
    // The paper study aggregated on the raw yardstick: claims 2 and 3 no longer pair; 1 and 4 still do.
    const raw = structuredClone(studies[1]);
    for (const c of raw.stats.claims) if (c.decidedOn.yardstick) c.decidedOn.yardstick = 'raw';
    const paired = pairedClaimTests([studies[0], raw]);
    expect(paired.filter((t) => t.p === null).map((t) => t.claim)).toEqual([2, 3]);
    expect(paired.find((t) => t.claim === 2)!.why).toMatch(/not comparable: quick decides on the seeds trained to the standard, unit S, paper on the seeds trained to the standard, raw S/);
  }, 120_000);
});

describe('wall times in provenance lines', () => {
  it('reads as hours, minutes and seconds', () => {
    expect(duration(221.57)).toBe('3 min 42 s');
    expect(duration(11140)).toBe('3 h 5 min 40 s');
    expect(duration(3600)).toBe('1 h 0 min 0 s');
  });
});
