/**
 * Every figure of the report, drawn from StudyData (filters of the figure seed) and StudyStats:
 * claim 1's accuracy profile (seed by seed), Table 2 interval plots, the Figure 4/5 E_ij heatmaps, the filter grids (trained and init),
 * the S_i distributions, S_i against the accuracy gap, and CKA. A figure that fails to draw is
 * left out with a warning instead of failing the report.
 */
import { distanceMatrix, filterSimilarity, mean } from '../stats/distances.ts';
import { distributionSvg, filterGridSvg, heatmapSvg, intervalSvg, profileSvg, scatterSvg } from './figures.ts';
import type { FigureRef } from './blocks.ts';
import { ci, ckaPairLabel, cmpLabel, fmt, pIs, netLabel, pairLabel, slug } from './format.ts';
import { FilterIndex, NETWORKS } from '../stats/summaries.ts';
import type { SSummary, StudyData, StudyStats } from '../stats/types.ts';

export interface Figures {
  /** Claim 1 seed by seed: the accuracy profile of both pipelines. */
  profile: FigureRef | null;
  table2: FigureRef[];
  fig4: FigureRef[];
  fig5: FigureRef[];
  filters: FigureRef[];
  distSeeds: FigureRef | null;
  distFilters: FigureRef | null;
  scatter: FigureRef | null;
  cka: FigureRef | null;
}

/** Figure 4: CNN1 ↔ CNN2 inside each model (ref, other). */
const FIG4: [string, string][] = [
  ['model1.cnn1', 'model1.cnn2'],
  ['model1.cnn2', 'model1.cnn1'],
  ['model2.cnn1', 'model2.cnn2'],
  ['model2.cnn2', 'model2.cnn1'],
];
/** Figure 5: the same CNN in model-1 ↔ model-2 (ref, other). */
const FIG5: [string, string][] = [
  ['model1.cnn1', 'model2.cnn1'],
  ['model2.cnn1', 'model1.cnn1'],
  ['model1.cnn2', 'model2.cnn2'],
  ['model2.cnn2', 'model1.cnn2'],
];

/** All drawn figures in report order (the order they are written in). */
export function figureList(fig: Figures): FigureRef[] {
  return [fig.profile, ...fig.table2, ...fig.fig4, ...fig.fig5, ...fig.filters, fig.distSeeds, fig.distFilters, fig.scatter, fig.cka].filter((x): x is FigureRef => x !== null);
}

export async function buildFigures(data: StudyData, st: StudyStats, seed: number, warnings: string[]): Promise<Figures> {
  const out: Figures = { profile: null, table2: [], fig4: [], fig5: [], filters: [], distSeeds: null, distFilters: null, scatter: null, cka: null };
  const idx = new FilterIndex(data.filters);
  const n = st.seeds.length;
  const nSeeds = `n = ${n} seed${n === 1 ? '' : 's'}`;
  const safe = async (what: string, f: () => Promise<FigureRef>): Promise<FigureRef | null> => {
    try {
      return await f();
    } catch (e) {
      warnings.push(`figure '${what}' could not be drawn: ${(e as Error).message}`);
      return null;
    }
  };

  // Claim 1 seed by seed (stats/claim1.ts): rliable's performance profile of both pipelines.
  const prof = st.claim1Profile;
  if (prof.seeds.length) {
    const pi = prof.probabilityOfImprovement;
    out.profile = await safe('claim 1 accuracy profile', async () => ({
      file: 'figures/claim1-accuracy-profile.svg',
      title: 'Claim 1 seed by seed: accuracy profile',
      svg: await profileSvg([{ label: 'model-1', values: prof.model1 }, { label: 'model-2', values: prof.model2 }], {
        title: `Claim 1 seed by seed: third-term test accuracy profile (n = ${prof.seeds.length} seeds)`,
        subtitle: `P(model-2 > model-1 on a random seed) = ${fmt(pi.estimate, 2)}, 95% bootstrap CI ${ci(pi.ci, 2)} (seeds won ${pi.wins}, tied ${pi.ties}, lost ${pi.losses})`,
        xLabel: 'third-term test accuracy τ',
      }),
      caption: 'For each model, the fraction of seeds whose third-term test accuracy exceeds τ (rliable’s performance profile, 1 − ECDF): a curve further right is better on more seeds, and a model that stalls on some seeds drops early. Ticks: one per seed.',
    }));
  }

  // Table 2 as interval plots: digit classifiers and third-term pipelines on their own axes
  // (0.98 vs 0.5–0.9: on one axis the CIs would be invisible).
  // One label width for both, so that side by side they scale alike (one font size).
  const labelLimit = Math.max(220, 7 * Math.max(0, ...st.table2.filter((r) => (r.target === 'digit' || r.target === 'third') && Number.isFinite(r.mean)).map((r) => r.label.length)));
  for (const [target, name] of [['digit', 'digit'], ['third', 'third-term']] as const) {
    const rows = st.table2.filter((r) => r.target === target && Number.isFinite(r.mean));
    if (!rows.length) continue;
    const diagnostic = rows.some((r) => r.diagnostic);
    const what =
      target === 'third'
        ? 'model-1 and model-2: the third term 2b − a'
        : `CNN1 and CNN2: model-1’s digit classifiers (test accuracy on digits)${diagnostic ? '; rows marked “diagnostic”: model-2’s CNNs, which are trained end to end on the third term and never see a digit label — their argmax accuracy on digits is a diagnostic, not a classifier’s accuracy' : ''}`;
    const f = await safe(`table2 ${target}`, async () => ({
      file: `figures/table2-${name}-accuracy.svg`,
      title: `Table 2: ${name} test accuracy`,
      svg: await intervalSvg(
        rows.map((r) => ({ label: r.label, mean: r.mean, lo: Math.min(r.mean, r.ci.lo ?? r.mean), hi: Math.max(r.mean, r.ci.hi ?? r.mean), reference: r.paper ?? undefined })),
        {
          title: `Table 2: ${name} test accuracy (${nSeeds})`,
          valueLabel: 'test accuracy (fraction correct)',
          measuredLabel: `this study: mean and 95% BCa CI, ${n} seeds`,
          referenceLabel: 'paper (Table 2)',
          labelLimit,
        },
      ),
      caption: `${what}. Dot and bar: this study’s mean and 95% CI across seeds; ◆: the paper’s value.`,
    }));
    if (f) out.table2.push(f);
  }

  // Figures 4 and 5: E_ij heatmaps for the chosen seed
  const heat = async (ref: string, other: string, fig: 4 | 5): Promise<FigureRef | null> =>
    safe(`heatmap ${ref} -> ${other}`, async () => {
      const a = idx.weights(seed, ref);
      const b = idx.weights(seed, other);
      const e = distanceMatrix(a, b, 'raw');
      const m = Array.from({ length: e.rows }, (_, i) => Array.from(e.data.subarray(i * e.cols, (i + 1) * e.cols)));
      const s = filterSimilarity(a, b, 'raw');
      return {
        file: `figures/fig${fig}-${slug(ref)}-to-${slug(other)}.svg`,
        title: pairLabel(ref, other),
        svg: await heatmapSvg(m, {
          title: `Fig. ${fig}: E_ij, ${netLabel(ref)} (rows) vs ${netLabel(other)} (columns), seed ${seed}`,
          subtitle: `E_ij = ‖F_i − G_j‖ (raw L2); mean S_i = ${fmt(s.meanS)}, ${s.collisions} collision${s.collisions === 1 ? '' : 's'}`,
          rowLabel: `filter i of ${netLabel(ref)}`,
          colLabel: `filter j of ${netLabel(other)}`,
          valueLabel: 'E_ij (L2 distance between 3×3 filters)',
        }),
      };
    });
  for (const [fig, pairs, list] of [[4, FIG4, out.fig4], [5, FIG5, out.fig5]] as const) {
    for (const [r, o] of pairs) {
      const f = await heat(r, o, fig);
      if (f) list.push(f);
    }
  }

  // The filters, trained and init
  for (const key of NETWORKS) {
    for (const stage of ['trained', 'init'] as const) {
      const set = idx.get(seed, key, stage);
      if (!set) continue;
      const f = await safe(`filters ${key} ${stage}`, async () => ({
        file: `figures/filters-${slug(key)}-${stage}.svg`,
        title: `${netLabel(key)}, ${stage}`,
        svg: await filterGridSvg(
          set.weights.map((w, j) => ({ label: `filter ${j}`, weights: w })), // 0–15, as in filters.arrow
          { title: `${netLabel(key)}: ${stage === 'trained' ? 'trained' : 'initial (Glorot)'} filters, seed ${seed}`, k: data.kernelSize, columns: 8 },
        ),
      }));
      if (f) out.filters.push(f);
    }
  }

  if (!st.comparisons.length) return out;

  // Per-seed mean S_i per comparison, with the baselines as groups
  const b = st.baselines;
  const groups: { label: string; values: number[] }[] = st.comparisons.map((c) => ({ label: cmpLabel(c.comparison), values: c.variants.raw.perSeed }));
  const pool = (rec: Record<string, SSummary>): number[] => Object.values(rec).flatMap((s) => s.perSeed);
  const base: { label: string; values: number[] }[] = [
    { label: 'baseline: trained vs own init (4 CNNs)', values: pool(b.trainedVsInit) },
    { label: 'baseline: vs fresh Glorot draws (4 CNNs)', values: pool(b.trainedVsFreshGlorot) },
    { label: 'baseline: nearest other filter, same CNN', values: pool(b.withinCnnNearest) },
    { label: 'baseline: same CNN, other seed (pairs)', values: Object.values(b.crossSeed).flatMap((x) => x.pairs.map((p) => p.s)) },
    { label: 'noise floor: rerun from same init', values: pool(b.noiseFloor ?? {}) },
  ];
  for (const g of base) if (g.values.length) groups.push(g);
  const fresh = mean(pool(b.trainedVsFreshGlorot));
  // The noise floor (model-1 CNN1 vs its rerun from the same init) on these figures' raw scale: claim 2's
  // own number when it was decided on raw S, else the raw baseline (claim 2's unit-S numbers are another scale).
  const c2 = st.claims.find((c) => c.claim === 2)?.numbers;
  const nf = c2?.yardstick === 'raw' ? c2.meanSNoiseFloor : b.noiseFloor ? mean(pool(b.noiseFloor)) : NaN;
  const refs = typeof nf === 'number' && Number.isFinite(nf) ? [{ label: c2?.yardstick === 'raw' ? 'claim-2 noise floor (CNN1 vs its rerun)' : 'noise floor, raw S (CNN1 vs its rerun)', value: nf }] : [];
  out.distSeeds = await safe('per-seed S distribution', async () => ({
    file: 'figures/s-per-seed.svg',
    title: 'Mean S_i per seed, per comparison and baseline',
    svg: await distributionSvg(groups, {
      title: 'Filter distance S_i (mean over 16 filters) per seed',
      subtitle: `raw L2; one dot per seed (${nSeeds}; cross-seed: one dot per seed pair); baselines pool the 4 CNNs`,
      valueLabel: 'mean S_i = mean_i min_j ‖F_i − G_j‖',
      referenceLines: refs,
    }),
    caption: 'Each comparison "A → B" gives, for every filter of A, the distance to the nearest filter of B. Baselines: trained filters against their own initialisation, against freshly drawn random Glorot filters (the scale of unrelated filters), against the nearest other filter of the same CNN, and the same CNN of two different seeds.',
  }));

  // Pooled per-filter S_i for the Figure 4/5 comparisons
  const fGroups = [...FIG4, ...FIG5].map(([r, o]) => ({
    label: pairLabel(r, o),
    values: st.seeds.flatMap((s) => Array.from(filterSimilarity(idx.weights(s, r), idx.weights(s, o)).s)),
  }));
  const fRefs = [
    ...refs,
    ...(Number.isFinite(fresh) ? [{ label: 'fresh Glorot draws (unrelated)', value: fresh }] : []),
    ...(Object.keys(b.withinCnnNearest).length ? [{ label: 'nearest other filter, same CNN', value: mean(pool(b.withinCnnNearest)) }] : []),
  ].filter((r) => Number.isFinite(r.value));
  out.distFilters = await safe('per-filter S distribution', async () => ({
    file: 'figures/s-per-filter.svg',
    title: 'S_i of every filter, pooled over seeds',
    svg: await distributionSvg(fGroups, {
      title: 'S_i per filter, Figures 4 and 5 comparisons, all seeds',
      subtitle: `raw L2; one dot per filter and seed (16 × ${n}); dashed lines: baselines`,
      valueLabel: 'S_i = min_j ‖F_i − G_j‖',
      referenceLines: fRefs,
    }),
  }));

  // S vs accuracy gap
  const g = st.sVsAccuracyGap;
  if (g.n >= 1) {
    const distinctX = new Set(g.gaps).size >= 2;
    out.scatter = await safe('S vs accuracy gap', async () => ({
      file: 'figures/s-vs-accuracy-gap.svg',
      title: 'S_i against the CNN1–CNN2 accuracy gap',
      svg: await scatterSvg(
        g.gaps.map((x, i) => ({ x, y: g.s[i], group: 'one seed (model-1)' })),
        {
          title: `Filter distance vs accuracy gap, model-1 CNN1 ↔ CNN2 (n = ${g.n} seeds; Spearman ρ = ${fmt(g.rho, 2)}, ${pIs(g.p)})`,
          xLabel: '|acc(CNN1) − acc(CNN2)|, digit test accuracy',
          yLabel: 'mean S_i, CNN1 ↔ CNN2 (both directions)',
          trend: g.n >= 3 && distinctX,
        },
      ),
    }));
  }

  if (st.cka) {
    const c = st.cka;
    out.cka = await safe('cka', async () => ({
      file: 'figures/cka.svg',
      title: 'Debiased linear CKA of first-layer activations',
      svg: await distributionSvg(
        Object.entries(c.comparisons).map(([k, v]) => ({ label: ckaPairLabel(k), values: v.perSeed.filter(Number.isFinite) })).filter((x) => x.values.length),
        {
          title: 'CKA of ReLU(conv) activations per seed (1 = same representation)',
          subtitle: `${c.images} MNIST test images × ${c.positionsPerImage} positions; ${nSeeds}; high even for random filters (see Limitations)`,
          valueLabel: 'debiased linear CKA',
        },
      ),
    }));
  }
  return out;
}
