/**
 * The report as a document model (ReportDoc: a title and a list of blocks), built once from the
 * study context, the statistics and the figures, and rendered by md.ts and html.ts. The block
 * types are in blocks.ts; the claims' prose, Methods and Limitations in claims.ts.
 */
import { VARIANTS } from '../stats/distances.ts';
import { claimBadge, claimText, decisionCi, learnedBlocks, limitations, methods, multiverseBlocks, onnxBlocks } from './claims.ts';
import type { ReportContext } from './context.ts';
import type { Block, FigureRef, ReportDoc } from './blocks.ts';
import type { Figures } from './doc-figures.ts';
import { ci, ckaPairLabel, cmpLabel, fmt, fmtP, pIs, fmtSigned, netLabel, verdictWord } from './format.ts';
import { NETWORKS } from '../stats/summaries.ts';
import type { SSummary, StudyStats, Verdict } from '../stats/types.ts';

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
      ...(ctx.kernels ? [['Kernels', ctx.kernels] as [string, string]] : []),
      ['Data', ctx.dataSource],
      ['Output folders', ctx.sources.join(', ')],
      ['Report generated', ctx.date + (ctx.dataWritten ? ` (data written ${ctx.dataWritten})` : '')],
      ['Figures drawn for', `seed ${ctx.figureSeed}`],
    ],
  });
  if (ctx.dataFiles.length) {
    blocks.push({
      kind: 'table', head: ['data file', 'SHA-256', 'official'],
      rows: ctx.dataFiles.map((f) => [f.role, f.sha256, f.official === null ? '—' : f.official ? 'yes' : 'no']),
      caption: 'The files the study trained and tested on, hashed when they were loaded (the Arrow files’ metadata `data`, also in config.json). “official”: equal to the published MNIST SHA-256.',
    });
  }
  if (st.warnings.length) {
    h(3, 'Warnings', 'warnings');
    blocks.push({ kind: 'list', items: st.warnings });
  }

  h(2, 'Answers to the paper’s claims', 'claims');
  p(`Each verdict follows the decision rule in Methods: one-sided Wilcoxon signed-rank test on per-seed differences (n = ${n} seeds), Holm-corrected over claims 1–3 (claim 4, from the paper’s Discussion, is its own family), and the effect’s ${decisionCi(st)} on the claimed side; “not supported” only when that CI lies wholly on the wrong side.`);
  // A study run until decided: the design and what this look's verdicts may claim (stats/sequential.ts).
  if (st.sequential) p(`**Sequential design** (${st.sequential.looksTaken ?? 'no'} look${st.sequential.looksTaken === 1 ? '' : 's'} taken): ${st.sequential.design}. **This analysis**: ${st.sequential.note}.`);
  // Each claim once: its box (verdict badge, the plain sentence, then the numbers); the table below sums them up.
  for (const c of st.claims) {
    blocks.push({ kind: 'claim', claim: c.claim, verdict: c.verdict, title: c.statement, text: claimText(c, st), notes: c.notes, badge: claimBadge(c) });
  }
  blocks.push({
    kind: 'table',
    head: ['Claim', 'Verdict', 'Effect', decisionCi(st), 'p', 'adjusted p', 'n seeds'],
    numeric: [false, false, true, false, true, true, true],
    rows: st.claims.flatMap((c) => [
      [
        String(c.claim),
        verdictWord(c.verdict),
        c.effect ? fmtSigned(c.effect.estimate, 4) : '—',
        c.effect ? ci(c.effect.ci, 4) : '—',
        fmtP(c.p),
        fmtP(c.pHolm),
        String(c.nSeeds),
      ],
      ...c.secondary.map((s) => [`${c.claim} (${s.name})`, verdictWord(s.verdict), s.effect ? fmtSigned(s.effect.estimate, 4) : '—', s.effect ? ci(s.effect.ci, 4) : '—', fmtP(s.p), fmtP(s.pAdj), String(s.seeds.length)]),
    ]),
    caption: 'Rows in brackets are shown beside the decision, not deciding: all seeds (every claim) and the paper’s raw S (claims 2 and 3). ' + (st.claims[2]?.numbers.effectPart === 'b'
      ? 'Claim 3’s effect is part (b), the part it is decided on; part (a), descriptive here, is in its paragraph above. '
      : 'Claim 3’s effect is part (a); part (b) is in its paragraph above. ') +
      'Claim 2’s effect is on the scale noise floor = 0, unrelated random filters = 1. Adjusted p: Holm over claims 1–3; claim 4 is its own family (unadjusted).',
  });
  figs([fig.profile]);

  blocks.push(...multiverseBlocks(st));

  h(3, 'Who learned the task', 'learned');
  blocks.push(...learnedBlocks(st));
  h(3, 'ONNX export check', 'onnx');
  blocks.push(...onnxBlocks(st));

  h(2, 'Table 2: test accuracy', 'table2');
  blocks.push({
    kind: 'table',
    head: ['Network', 'Target', 'n seeds', 'Mean', 'SD', '95% CI (BCa)', 'Paper'],
    numeric: [false, false, true, true, true, false, true],
    rows: st.table2.map((r) => [r.label, r.target === 'third' ? 'third term 2b − a' : 'digit', String(r.n), fmt(r.mean, 4), fmt(r.sd, 4), ci(r.ci, 4), fmt(r.paper)]),
    ...(st.table2.some((r) => r.diagnostic) || st.table2.some((r) => r.n < 3)
      ? { caption: [
        st.table2.some((r) => r.diagnostic) ? 'Rows marked “diagnostic” are not classifiers: model-2’s CNNs are trained end to end on the third term only and never see a digit label; their digit accuracy (argmax of the 10-way output against the digit label) only shows how digit-like their outputs became.' : '',
        st.table2.some((r) => r.n < 3) ? 'SD needs at least 2 seeds and the bootstrap CI at least 3 (with 2 its bounds often do not exist): “—” and “CI not computable” mark what these seeds cannot give.' : '',
      ].filter(Boolean).join(' ') }
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
  p(g.n < 3 || g.rho === null || !Number.isFinite(g.rho)
    ? `Does a larger accuracy difference between model-1’s CNN1 and CNN2 go with more different filters? Not computable here: Spearman’s ρ needs at least 3 seeds with both accuracies and distances, and this study has ${g.n}.`
    : `Does a larger accuracy difference between model-1’s CNN1 and CNN2 go with more different filters? Spearman ρ = ${fmt(g.rho, 3)} (${pIs(g.p)}, n = ${g.n} seeds).`);
  figs([fig.scatter]);

  h(2, 'Scale-aware variants and one-to-one matching', 'variants');
  p('Mean S over seeds and filters with 95% hierarchical-bootstrap CI. raw: S_i as in the paper, the Euclidean distance between 3×3 weight vectors; unit: filters scaled to norm 1 (distance = √(2 − 2 cos)); signflip: min over ±G_j; matched: Hungarian one-to-one assignment, mean cost (raw); collisions: 16 − number of distinct nearest filters, mean per seed; chamfer: the symmetric (chamfer) distance, the mean of S_i in both directions (reference → other and back), raw, mean over seeds.');
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
