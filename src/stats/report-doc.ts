/**
 * The report as a document model (ReportDoc: a title and a list of blocks), built once from the
 * study context, the statistics and the figures, and rendered by report-md.ts and report-html.ts.
 * All report prose lives here: claim paragraphs, Methods and Limitations.
 *
 * Inline text uses a tiny markup: **bold** and `code`; S_i, E_ij … are written plainly.
 * In table cells, a '\n' starts a secondary line (a CI under its estimate).
 */
import { VARIANTS } from './distances.ts';
import type { ReportContext } from './report-context.ts';
import type { Figures } from './report-figures.ts';
import { ci, ckaPairLabel, cmpLabel, fmt, fmtP, fmtSigned, netLabel, num, verdictWord } from './report-format.ts';
import { NETWORKS } from './summaries.ts';
import type { ClaimVerdict, SSummary, StudyStats, Verdict } from './types.ts';

export interface FigureRef {
  /** Path relative to outDir, e.g. 'figures/fig4-model1-cnn1-cnn2.svg'. */
  file: string;
  title: string;
  svg: string;
  caption?: string;
}

export type Block =
  | { kind: 'heading'; level: 2 | 3; text: string; id: string }
  | { kind: 'para'; text: string }
  | { kind: 'claim'; claim: number; verdict: Verdict; title: string; text: string; notes: string[] }
  | { kind: 'list'; items: string[] }
  | { kind: 'meta'; items: [string, string][] }
  | { kind: 'table'; head: string[]; rows: string[][]; numeric?: boolean[]; caption?: string }
  /** columns: 2 = two figures per row (pairs: heatmap directions, trained beside init); 1 = full width. */
  | { kind: 'figures'; items: FigureRef[]; columns?: 1 | 2 };

export interface ReportDoc {
  title: string;
  blocks: Block[];
}

// ---------------------------------------------------------------------------------------------
// Text

function testSentence(c: ClaimVerdict, st: StudyStats, signFlip: unknown): string {
  return `Test: ${c.test}; n = ${c.nSeeds} seeds; p = ${fmtP(c.p)}, Holm-adjusted p = ${fmtP(c.pHolm)} (α = ${st.alpha}, three claims)${typeof signFlip === 'number' ? `; sign-flip permutation p = ${fmtP(signFlip)}` : ''}.`;
}

function claimText(c: ClaimVerdict, st: StudyStats): string {
  const x = c.numbers;
  const e = c.effect;
  const effect = e ? `${fmtSigned(e.estimate, 4)} (95% CI ${ci(e.ci, 4)}${e.cohenDz !== null ? `, Cohen’s d_z = ${fmt(e.cohenDz, 2)}` : ''})` : 'not computable';
  if (c.claim === 1) {
    return (
      `Mean test accuracy on the third term: model-1 ${fmt(num(x.model1Mean))}, model-2 ${fmt(num(x.model2Mean))} (paper: 0.494 and 0.867). ` +
      `Per-seed difference model-2 − model-1: ${effect}. ${testSentence(c, st, x.signFlipP)}`
    );
  }
  if (c.claim === 2) {
    return (
      `Mean S_i between model-1’s CNN1 and CNN2 (both directions) is ${fmt(num(x.meanSWithinModel1))}, against ${fmt(num(x.meanSFreshGlorot))} for unrelated (fresh Glorot) filters; ` +
      `the claim needs it to exceed ${pct(st.options.identityFraction)} of that scale. Effect (S − ${st.options.identityFraction} × fresh): ${effect}. ` +
      `Context: nearest other filter in the same CNN ${fmt(num(x.meanSWithinCnnNearest))}, CNN1 of another seed ${fmt(num(x.meanSCrossSeedCnn1))}, trained vs own init ${fmt(num(x.meanSTrainedVsInitCnn1))}, scale- and sign-free S ${fmt(num(x.meanSWithinModel1UnitSignflip))}, ` +
      `mean |accuracy gap| CNN1 − CNN2 ${fmt(num(x.meanAbsAccuracyGapCnn1Cnn2), 4)}${num(x.ckaModel1) !== null ? `, CKA ${fmt(num(x.ckaModel1))}` : ''}. ${testSentence(c, st, x.signFlipP)}`
    );
  }
  const part = (k: 'A' | 'B'): string =>
    `${fmtSigned(num(x[`effect${k}`]), 4)} (95% CI ${ci({ lo: num(x[`effect${k}Lo`]), hi: num(x[`effect${k}Hi`]) }, 4)})`;
  const tested = x.partA === 'tested';
  return (
    `(a)${tested ? '' : ' [descriptive]'} Model-2 filters to the nearest of model-1’s 32 filters, same seed: mean S ${fmt(num(x.meanSModel2ToModel1))}, vs ${fmt(num(x.meanSCrossSeedControl))} against model-1 of other seeds; difference ${part('A')}, one-sided p = ${fmtP(num(x.pA))}${tested ? '' : ' (not tested)'}. ` +
    `(b) Model-2 CNN1 ↔ CNN2: mean S ${fmt(num(x.meanSModel2Pair))}, vs ${fmt(num(x.meanSModel1Pair))} for model-1’s pair; difference ${part('B')}, one-sided p = ${fmtP(num(x.pB))}. ` +
    (tested
      ? 'Both parts must hold (intersection–union test: p = max(p_a, p_b)). '
      : 'Part (a) is reported but not tested: this study was trained with train.sharedInit = false, so model-1 and model-2 of one seed share no random stream (own initial weights, data order and dropout draws), the same-seed model-1 is exchangeable with any other seed’s, and part (a) is false by construction. The verdict rests on part (b) alone; `--set train.sharedInit=true` (model-2’s CNNs start from model-1’s initial weights) makes part (a) testable. ') +
    testSentence(c, st, undefined)
  );
}

/** A fraction as a percentage: 0.1 → '10 %'. */
const pct = (f: number): string => `${+(f * 100).toFixed(6)} %`;

const methods = (st: StudyStats): string[] => [
  '**Measure.** S_i = min_j ‖F_i − G_j‖ (the paper’s raw Euclidean distance between 3×3 filters); reported also scale-free (unit-norm filters), sign-free (min over ±G_j) and both. S is asymmetric; claims pool both directions. Matched distance: one-to-one Hungarian assignment (mean cost); collisions = 16 − number of distinct nearest filters.',
  `**Unit of replication.** The seed. Each seed trains all four CNNs (model-1’s and model-2’s CNN1 and CNN2)${st.options.sharedInit ? ', model-2’s CNNs from model-1’s initial weights (train.sharedInit)' : ' from their own initialisations'}; per-seed means enter the tests.`,
  '**Confidence intervals.** For S statistics, a hierarchical bootstrap: resample seeds with replacement, then filters within each resampled seed (percentile interval). For accuracies and claim 1, a BCa bootstrap over seeds. Bootstrap replicates and seed are fixed, so the report is reproducible.',
  '**Tests.** One-sided Wilcoxon signed-rank test on the per-seed differences d_s (exact null distribution over all sign patterns of the average ranks for n ≤ 50, ties included; zero differences are dropped and reduce n); a paired sign-flip permutation test is reported alongside. Holm correction across the three claims at α = 0.05.',
  '**Decision rule** (each claim): (1) fewer than 6 seeds ⇒ inconclusive — below 6 seeds the smallest exact one-sided Wilcoxon p, 2⁻ⁿ, cannot pass Holm’s first step α/3 even if every seed agrees; (2) effect estimate on the wrong side of 0 ⇒ not supported; (3) Holm-adjusted p < α and the effect’s CI entirely on the claimed side ⇒ supported; (4) otherwise inconclusive (more seeds may decide).',
  `**Claim 1:** d_s = acc(model-2) − acc(model-1), third term, test split [> 0]. **Claim 2:** d_s = mean S(model-1 CNN1 ↔ CNN2) − ${st.options.identityFraction} × mean S(same CNNs vs fresh Glorot draws) [> 0]: filters count as “the same” if they are within ${pct(st.options.identityFraction)} of the distance to unrelated random filters. **Claim 3:** (a) mean S(model-2 CNN → all 32 model-1 filters, same seed) − the same against model-1 of every other seed [< 0], (b) mean S(model-2 CNN1 ↔ CNN2) − mean S(model-1 CNN1 ↔ CNN2) [< 0]; ${st.options.sharedInit ? 'both must hold (this study has train.sharedInit = true).' : 'part (a) is tested only with train.sharedInit = true — without it model-1 and model-2 of one seed share no random stream and (a) is false by construction — so here claim 3 is decided on (b) alone and (a) is reported descriptively.'}`,
  '**Baselines.** Trained filters vs their own initialisation; vs 20 fresh Glorot-uniform draws (limit √(6/(K² + K²F))); nearest other filter within the same CNN; the same CNN role across seeds (all seed pairs).',
];

function limitations(st: StudyStats, ctx: ReportContext): string[] {
  const out = [
    'CKA of first-layer activations is high even for independent random filters: with 16 filters over a 9-dimensional patch space every filter bank is a (ReLU’d) linear map of the same patches, so first-layer CKA near 0.8 says little. It is reported, never used in a verdict.',
    'Raw S depends on the filters’ scale; two CNNs can differ in norm but not in direction. The scale- and sign-free variants below separate the two.',
    'S_i is a nearest-neighbour measure: several filters may share one nearest counterpart (collisions), which the Hungarian matched distance avoids.',
    `The claim-2 threshold (${pct(st.options.identityFraction)} of the unrelated-filter distance) is a choice made for this reproduction; the paper gives no numeric criterion.`,
    'The heatmaps and filter images show one seed only; the verdicts use all seeds.',
  ];
  if (st.seeds.length < st.minSeeds) out.unshift(`Only ${st.seeds.length} complete seeds: below ${st.minSeeds} seeds every verdict is inconclusive by rule. Run more seeds and pool the folders.`);
  if (ctx.synthetic) out.unshift('This report is built from synthetic data (no training): the numbers demonstrate the pipeline, not the paper.');
  return out;
}

// ---------------------------------------------------------------------------------------------
// The document

export function buildReport(ctx: ReportContext, st: StudyStats, fig: Figures): ReportDoc {
  const blocks: Block[] = [];
  const h = (level: 2 | 3, text: string, id: string): void => void blocks.push({ kind: 'heading', level, text, id });
  const p = (text: string): void => void blocks.push({ kind: 'para', text });
  const figs = (items: (FigureRef | null)[], columns?: 1 | 2): void => {
    const list = items.filter((x): x is FigureRef => x !== null);
    if (list.length) blocks.push({ kind: 'figures', items: list, columns });
  };
  const n = st.seeds.length;
  /** A table cell: mean S, its CI on a second line. */
  const meanWithCi = (s: SSummary | undefined): string => (s ? `${fmt(s.mean)}\n${ci(s.ci)}` : '—');

  blocks.push({
    kind: 'meta',
    items: [
      ['Study', ctx.studyId],
      ['Seeds', `${n} complete (${st.seeds.join(', ') || 'none'})`],
      ['Config hash', ctx.configHash ?? '(none)'],
      ['Backend', ctx.backend],
      ['Data', ctx.dataSource],
      ['Output folders', ctx.sources.join(', ')],
      ['Report generated', ctx.date + (ctx.dataWritten ? ` (data written ${ctx.dataWritten})` : '')],
      ['Figures drawn for', `seed ${ctx.figureSeed}`],
    ],
  });
  if (st.warnings.length) {
    h(3, 'Warnings', 'warnings');
    blocks.push({ kind: 'list', items: st.warnings });
  }

  h(2, 'Answers to the paper’s claims', 'claims');
  p(`Each verdict follows the decision rule in Methods: one-sided Wilcoxon signed-rank test on per-seed differences (n = ${n} seeds), Holm-corrected over the three claims, and the effect’s 95% CI on the claimed side.`);
  for (const c of st.claims) {
    blocks.push({ kind: 'claim', claim: c.claim, verdict: c.verdict, title: c.statement, text: claimText(c, st), notes: c.notes });
  }
  blocks.push({
    kind: 'table',
    head: ['Claim', 'Verdict', 'Effect', '95% CI', 'p', 'Holm p', 'n seeds'],
    numeric: [false, false, true, false, true, true, true],
    rows: st.claims.map((c) => [
      String(c.claim),
      verdictWord(c.verdict),
      c.effect ? fmtSigned(c.effect.estimate, 4) : '—',
      c.effect ? ci(c.effect.ci, 4) : '—',
      fmtP(c.p),
      fmtP(c.pHolm),
      String(c.nSeeds),
    ]),
    caption: st.claims[2]?.numbers.effectPart === 'b'
      ? 'Claim 3’s effect is part (b), the part it is decided on; part (a), descriptive here, is in its paragraph above.'
      : 'Claim 3’s effect is part (a); part (b) is in its paragraph above.',
  });

  h(2, 'Table 2: test accuracy', 'table2');
  blocks.push({
    kind: 'table',
    head: ['Network', 'Target', 'n seeds', 'Mean', 'SD', '95% CI (BCa)', 'Paper'],
    numeric: [false, false, true, true, true, false, true],
    rows: st.table2.map((r) => [r.label, r.target === 'third' ? 'third term 2b − a' : 'digit', String(r.n), fmt(r.mean, 4), fmt(r.sd, 4), ci(r.ci, 4), fmt(r.paper)]),
    ...(st.table2.some((r) => r.diagnostic)
      ? { caption: 'Rows marked “diagnostic” are not classifiers: model-2’s CNNs are trained end to end on the third term only and never see a digit label; their digit accuracy (argmax of the 10-way output against the digit label) only shows how digit-like their outputs became.' }
      : {}),
  });
  figs(fig.table2, 2);

  h(2, 'Figures 4 and 5: filter distance heatmaps', 'heatmaps');
  p(`Seed ${ctx.figureSeed}. Cell (i, j) is E_ij = ‖F_i − G_j‖ between filter i of the row CNN and filter j of the column CNN; the circle in each row marks its minimum S_i. Each heatmap has its own colour scale — compare the numbers in the subtitles.`);
  h(3, 'Figure 4: CNN1 ↔ CNN2 inside each model', 'fig4');
  figs(fig.fig4, 2);
  h(3, 'Figure 5: the same CNN in model-1 ↔ model-2', 'fig5');
  figs(fig.fig5, 2);

  h(2, 'The learned filters', 'filters');
  p(`The 16 first-layer 3×3 filters of each CNN, seed ${ctx.figureSeed}: trained (left) beside their initial Glorot draws (right). Colour: weight, diverging around 0, scale per panel.`);
  figs(fig.filters, 2);

  h(2, 'Distributions of S_i across seeds', 'distributions');
  figs([fig.distSeeds, fig.distFilters], 1);

  h(2, 'S_i against the accuracy gap', 'gap');
  const g = st.sVsAccuracyGap;
  p(`Does a larger accuracy difference between model-1’s CNN1 and CNN2 go with more different filters? Spearman ρ = ${fmt(g.rho, 3)} (p = ${fmtP(g.p)}, n = ${g.n} seeds${g.n < 3 ? '; needs at least 3 seeds' : ''}).`);
  figs([fig.scatter]);

  h(2, 'Scale-aware variants and one-to-one matching', 'variants');
  p('Mean S over seeds and filters with 95% hierarchical-bootstrap CI. unit: filters scaled to norm 1 (distance = √(2 − 2 cos)); signflip: min over ±G_j; matched: Hungarian one-to-one assignment, mean cost (raw); collisions: 16 − number of distinct nearest filters, mean per seed.');
  blocks.push({
    kind: 'table',
    head: ['Comparison', 'raw', 'unit', 'signflip', 'unit-signflip', 'matched', 'collisions', 'chamfer'],
    numeric: [false, true, true, true, true, true, true, true],
    rows: st.comparisons.map((c) => [
      cmpLabel(c.comparison),
      ...VARIANTS.map((v) => meanWithCi(c.variants[v])),
      meanWithCi(c.matched),
      fmt(c.collisions.mean, 2),
      fmt(c.chamfer.mean),
    ]),
  });
  const b = st.baselines;
  h(3, 'Baselines: reference distances', 'baselines');
  blocks.push({
    kind: 'table',
    head: ['CNN', 'vs own init', 'vs fresh Glorot', 'nearest other filter, same CNN', 'same CNN across seeds', 'rerun from same init (noise floor)'],
    numeric: [false, true, true, true, true, true],
    rows: NETWORKS.map((k) => [
      netLabel(k),
      fmt(b.trainedVsInit[k]?.mean),
      fmt(b.trainedVsFreshGlorot[k]?.mean),
      fmt(b.withinCnnNearest[k]?.mean),
      b.crossSeed[k]?.pairs.length ? `${fmt(b.crossSeed[k].mean)} (${b.crossSeed[k].pairs.length} pairs)` : '—',
      b.noiseFloor?.[k] ? fmt(b.noiseFloor[k].mean) : '—',
    ]),
    caption: `Baselines: mean S of each trained CNN (raw). Fresh Glorot: ${b.freshDraws} draws, limit ${fmt(b.glorotLimit, 4)}. Noise floor: model-1's CNN1 retrained from the same initial weights with another data order and dropout draws (only with train.noiseFloor: true).`,
  });

  h(2, 'CKA', 'cka');
  if (st.cka) {
    p(`Debiased linear CKA of the first layer’s ReLU(conv + bias) activations on ${st.cka.images} MNIST test images × ${st.cka.positionsPerImage} positions, per seed. Reported for context only (see Limitations).`);
    blocks.push({
      kind: 'table',
      head: ['Pair', 'mean CKA', 'per seed'],
      numeric: [false, true, false],
      rows: Object.entries(st.cka.comparisons).map(([k, v]) => [ckaPairLabel(k), fmt(v.mean), v.perSeed.map((x) => fmt(x, 2)).join(', ')]),
    });
    figs([fig.cka]);
  } else {
    p(ctx.ckaNote ?? 'CKA was not computed (--no-cka).');
  }

  h(2, 'Methods', 'methods');
  blocks.push({ kind: 'list', items: methods(st) });
  h(2, 'Limitations', 'limitations');
  blocks.push({ kind: 'list', items: limitations(st, ctx) });
  h(2, 'Files', 'files');
  p('stats.json: every number above (StudyStats). stats.arrow: the same as a tidy long table (section, key, variant, statistic, seed, value, lo, hi, n, text) for pandas, polars, R or DuckDB. figures/: each figure as SVG (and PNG).');

  return { title: `Do equally accurate CNNs learn the same filters? — ${ctx.studyId}`, blocks };
}
