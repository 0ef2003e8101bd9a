/**
 * analyzeStudy: everything the report needs, as one JSON-serialisable StudyStats object, and
 * the verdicts for the paper's three claims. Decision rules: src/stats/README.md (and `rule`
 * in each ClaimVerdict).
 */
import { bootstrapCI, hierarchicalBootstrap } from './bootstrap.ts';
import { glorotLimit, trainedVsFreshGlorot } from './baselines.ts';
import { activationPositions, ckaPrepared, firstLayerActivations, prepareCka, type PreparedCka } from './cka.ts';
import { filterSimilarity, mean, sd } from './distances.ts';
import {
  baselineStats, cname, comparisonStats, COMPARISONS, crossSeedGroups, FilterIndex, fin, NETWORKS, sGroups, type SummaryOptions,
} from './summaries.ts';
import { netLabel } from './report-format.ts';
import { cohenDz, holm, signFlipTest, spearman, wilcoxon, type Alternative } from './tests.ts';
import type { ClaimVerdict, CkaStats, Interval, StatsOptions, StudyData, StudyStats, Table2Row, Verdict } from './types.ts';

export interface AnalyzeOptions {
  alpha?: number; // 0.05, family-wise over the three claims (Holm)
  /** Below this many seeds every verdict is 'inconclusive' (default 6, see README). */
  minSeeds?: number;
  reps?: number; // bootstrap replicates, 4000
  bootstrapSeed?: number; // 0
  level?: number; // CI level, 0.95
  freshDraws?: number; // fresh Glorot sets per trained CNN, 20
  /** Claim 2: S counts as "≈ 0" below this fraction of the fresh-Glorot S (default 0.1). */
  identityFraction?: number;
  /** Test images, n·28·28 floats in [0, 1] (network input scaling); enables CKA. */
  images?: Float32Array;
  /** Images used for CKA (default 1000) and positions sampled per image (default 64 of 26·26):
   *  64k rows; on MNIST, CKA from the subsample differs from all 676 positions by ~1e-3 and is
   *  ~8× faster. Neighbouring positions are strongly correlated, so more add little. */
  ckaImages?: number;
  ckaPositionsPerImage?: number;
}

const PAPER_TABLE2 = [
  { key: 'CNN1', label: 'CNN1', diagnostic: false, model: 'model1', network: 'cnn1', target: 'digit', paper: 0.982 },
  { key: 'CNN2', label: 'CNN2', diagnostic: false, model: 'model1', network: 'cnn2', target: 'digit', paper: 0.983 },
  { key: 'model-1', label: 'model-1', diagnostic: false, model: 'model1', network: 'pipeline', target: 'third', paper: 0.494 },
  { key: 'model-2', label: 'model-2', diagnostic: false, model: 'model2', network: 'pipeline', target: 'third', paper: 0.867 },
];

/** Label of a Table 2 row outside the paper's four. model-2's CNNs are trained end to end on the
 *  third term only and never see a digit label: their digit (argmax) accuracy is a diagnostic. */
function rowLabel(model: string, network: string, target: string): { label: string; diagnostic: boolean } {
  if (model === 'model2' && target === 'digit') return { label: `${netLabel(`${model}.${network}`)} (diagnostic: never trained on digits)`, diagnostic: true };
  return { label: `${model}.${network}.${target}`, diagnostic: false };
}

function table2(data: StudyData, o: SummaryOptions): Table2Row[] {
  const test = data.metrics.filter((m) => m.split === 'test');
  type Key = { key: string; label: string; diagnostic: boolean; model: string; network: string; target: string; paper: number | null };
  const keys = new Map<string, Key>();
  for (const p of PAPER_TABLE2) keys.set(`${p.model}|${p.network}|${p.target}`, p);
  for (const m of test) {
    const id = `${m.model}|${m.network}|${m.target}`;
    if (!keys.has(id)) keys.set(id, { key: `${m.model}.${m.network}.${m.target}`, ...rowLabel(m.model, m.network, m.target), model: m.model, network: m.network, target: m.target, paper: null });
  }
  const rows: Table2Row[] = [];
  for (const k of keys.values()) {
    const perSeed = test
      .filter((m) => m.model === k.model && m.network === k.network && m.target === k.target)
      .map((m) => ({ seed: m.seed, accuracy: m.accuracy }))
      .sort((a, b) => a.seed - b.seed);
    if (!perSeed.length) continue;
    const acc = perSeed.map((p) => p.accuracy);
    const b = bootstrapCI(acc, undefined, { reps: o.reps, seed: o.bootstrapSeed, level: o.level, method: 'bca' });
    rows.push({ ...k, split: 'test', n: acc.length, mean: mean(acc), sd: fin(sd(acc)), ci: b.ci, perSeed });
  }
  return rows;
}

/** Accuracy of (model, network, target) on the test split per seed. */
function accuracy(data: StudyData, model: string, network: string, target: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of data.metrics) if (m.split === 'test' && m.model === model && m.network === network && m.target === target) out.set(m.seed, m.accuracy);
  return out;
}

interface PartResult {
  p: number | null;
  estimate: number;
  ci: Interval;
  d: number[]; // per-seed paired differences (claimed direction: alt)
  alt: Alternative;
  signFlipP: number | null;
}

/** One-sided Wilcoxon + sign-flip on per-seed differences; effect CI supplied by the caller. */
function pairedPart(d: number[], alt: Alternative, estimate: number, ci: Interval): PartResult {
  const nonzero = d.some((v) => v !== 0);
  return {
    p: nonzero ? wilcoxon(d, undefined, { alternative: alt }).p : 1,
    estimate,
    ci,
    d,
    alt,
    signFlipP: d.length ? signFlipTest(d, { alternative: alt }).p : null,
  };
}

/** The verdict rule shared by all claims (README: "Decision rules"). */
function decide(parts: PartResult[], pHolm: number | null, n: number, minSeeds: number, alpha: number): Verdict {
  if (n < minSeeds || pHolm === null) return 'inconclusive';
  const claimedSide = (x: number | null, alt: Alternative): boolean => x !== null && (alt === 'greater' ? x > 0 : x < 0);
  if (parts.some((q) => !claimedSide(q.estimate, q.alt))) return 'not supported';
  const allCi = parts.every((q) => claimedSide(q.ci.lo, q.alt) && claimedSide(q.ci.hi, q.alt));
  return pHolm < alpha && allCi ? 'supported' : 'inconclusive';
}

const concatSeeds = (a: Float64Array[], b: Float64Array[]): Float64Array[] =>
  a.map((x, s) => {
    const out = new Float64Array(x.length + b[s].length);
    out.set(x);
    out.set(b[s], x.length);
    return out;
  });

function ckaStats(data: StudyData, idx: FilterIndex, seeds: number[], opts: AnalyzeOptions): CkaStats | null {
  if (!opts.images) return null;
  const nImages = Math.min(opts.ckaImages ?? 1000, Math.floor(opts.images.length / 784));
  const k = data.kernelSize;
  const aopts = { kernelSize: k, positionsPerImage: opts.ckaPositionsPerImage ?? 64, seed: opts.bootstrapSeed ?? 0 };
  const pos = activationPositions(nImages, aopts);
  const pairs: [string, string][] = [['model1.cnn1', 'model1.cnn2'], ['model2.cnn1', 'model2.cnn2'], ['model2.cnn1', 'model1.cnn1'], ['model2.cnn2', 'model1.cnn2']];
  const comparisons: CkaStats['comparisons'] = {};
  for (const [a, b] of pairs) comparisons[`${a} <-> ${b}`] = { perSeed: [], mean: NaN };
  for (const s of seeds) {
    const act = new Map<string, PreparedCka>();
    for (const key of NETWORKS) {
      const f = idx.get(s, key)!;
      act.set(key, prepareCka(firstLayerActivations(opts.images, f.weights, f.bias, pos, aopts)));
    }
    for (const [a, b] of pairs) comparisons[`${a} <-> ${b}`].perSeed.push(ckaPrepared(act.get(a)!, act.get(b)!));
  }
  for (const c of Object.values(comparisons)) c.mean = mean(c.perSeed);
  return { images: nImages, positionsPerImage: pos.length / 3 / Math.max(1, nImages), comparisons };
}

/** The study's config.train.sharedInit (the Arrow metadata's config); false when absent. */
export function studySharedInit(config: unknown): boolean {
  const train = (config as { train?: { sharedInit?: unknown } } | null | undefined)?.train;
  return train?.sharedInit === true;
}

/** Why claim 3 part (a) is only descriptive without train.sharedInit (claim note and report). */
export const PART_A_DESCRIPTIVE_NOTE =
  "part (a) is descriptive, not tested: this study has train.sharedInit = false, so model-1 and model-2 of one seed share no random stream (own initial weights, data order and dropout draws); the same-seed model-1 is then exchangeable with other seeds' model-1 and part (a) is false by construction. Claim 3 is decided on part (b) alone; run with `--set train.sharedInit=true` (model-2's CNNs start from model-1's initial weights) to make part (a) testable";

export function analyzeStudy(data: StudyData, opts: AnalyzeOptions = {}): StudyStats {
  const alpha = opts.alpha ?? 0.05;
  const minSeeds = opts.minSeeds ?? 6;
  const frac = opts.identityFraction ?? 0.1;
  const o: SummaryOptions = { reps: opts.reps ?? 4000, bootstrapSeed: opts.bootstrapSeed ?? 0, level: opts.level ?? 0.95 };
  const sharedInit = studySharedInit(data.config);
  const warnings: string[] = [];
  const idx = new FilterIndex(data.filters);
  // Seeds with all four trained CNNs; others are reported and left out of filter statistics.
  const seeds = data.seeds.filter((s) => NETWORKS.every((k) => idx.get(s, k)));
  const dropped = data.seeds.filter((s) => !seeds.includes(s));
  if (dropped.length) warnings.push(`seeds ${dropped.join(', ')} lack some trained filter sets and are left out of the filter statistics`);
  if (seeds.length < minSeeds) warnings.push(`only ${seeds.length} complete seeds (< ${minSeeds}): verdicts are inconclusive by rule`);

  checkSimilarity(data, idx, warnings);
  const comparisons = seeds.length ? COMPARISONS.map(([r, x]) => comparisonStats(idx, seeds, r, x, o)) : [];
  const limit = glorotLimit(data.kernelSize, data.numFilters);
  const freshDraws = opts.freshDraws ?? 20;
  const baselines = baselineStats(data, idx, seeds, { ...o, freshDraws, glorotLimit: limit });
  const cka = seeds.length ? ckaStats(data, idx, seeds, opts) : null;
  const boot = (groups: Float64Array[][], stat: (m: number[]) => number): { estimate: number; ci: Interval } =>
    groups[0].length ? hierarchicalBootstrap(groups, stat, { reps: o.reps, seed: o.bootstrapSeed, level: o.level }) : { estimate: NaN, ci: { lo: null, hi: null, level: o.level, method: 'none' } };

  // ---- claim 1: model-2 more accurate than model-1 (pipeline, third term, test) ------------
  const a1 = accuracy(data, 'model1', 'pipeline', 'third');
  const a2 = accuracy(data, 'model2', 'pipeline', 'third');
  const s1 = data.seeds.filter((s) => a1.has(s) && a2.has(s));
  const d1 = s1.map((s) => a2.get(s)! - a1.get(s)!);
  const b1 = d1.length ? bootstrapCI(d1, undefined, { reps: o.reps, seed: o.bootstrapSeed, level: o.level, method: 'bca' }) : { estimate: NaN, ci: { lo: null, hi: null, level: o.level, method: 'none' } };
  const part1 = pairedPart(d1, 'greater', b1.estimate, b1.ci);

  // ---- claim 2: model-1's CNN1 and CNN2 learn different filters --------------------------
  const within = concatSeeds(sGroups(idx, seeds, 'model1.cnn1', 'model1.cnn2'), sGroups(idx, seeds, 'model1.cnn2', 'model1.cnn1'));
  // Same draws as baselines.trainedVsFreshGlorot (same seed and stream), per filter.
  const freshOf = (key: string): Float64Array[] =>
    seeds.map((s) => trainedVsFreshGlorot(idx.get(s, key)!.weights, data.kernelSize, { draws: freshDraws, seed: s, stream: `stats-fresh-glorot:${key}` }));
  const fresh = concatSeeds(freshOf('model1.cnn1'), freshOf('model1.cnn2'));
  const b2 = boot([within, fresh], (m) => m[0] - frac * m[1]);
  const d2 = seeds.map((_, s) => mean(within[s]) - frac * mean(fresh[s]));
  const part2 = pairedPart(d2, 'greater', b2.estimate, b2.ci);

  // ---- claim 3: model-2 filters have counterparts in model-1; model-2's CNNs alike --------
  // "A counterpart in model-1": nearest among all 2F filters of model-1 (either CNN).
  const m2m1 = concatSeeds(sGroups(idx, seeds, 'model2.cnn1', 'model1'), sGroups(idx, seeds, 'model2.cnn2', 'model1'));
  const ctrl = seeds.length >= 2 ? concatSeeds(crossSeedGroups(idx, seeds, 'model2.cnn1', 'model1'), crossSeedGroups(idx, seeds, 'model2.cnn2', 'model1')) : [];
  const b3a = ctrl.length ? boot([m2m1, ctrl], (m) => m[0] - m[1]) : boot([[]], () => NaN);
  const d3a = ctrl.length ? seeds.map((_, s) => mean(m2m1[s]) - mean(ctrl[s])) : [];
  const part3a = pairedPart(d3a, 'less', b3a.estimate, b3a.ci);
  const m2pair = concatSeeds(sGroups(idx, seeds, 'model2.cnn1', 'model2.cnn2'), sGroups(idx, seeds, 'model2.cnn2', 'model2.cnn1'));
  const b3b = boot([m2pair, within], (m) => m[0] - m[1]);
  const d3b = seeds.map((_, s) => mean(m2pair[s]) - mean(within[s]));
  const part3b = pairedPart(d3b, 'less', b3b.estimate, b3b.ci);
  // With train.sharedInit, intersection–union test: claim 3 needs both parts, so its p is the
  // larger of the two. Without it, part (a) is false by construction (see PART_A_DESCRIPTIVE_NOTE):
  // claim 3 rests on part (b) and part (a) is reported descriptively.
  const p3 = sharedInit
    ? part3a.p === null || part3b.p === null || !d3a.length ? null : Math.max(part3a.p, part3b.p)
    : seeds.length ? part3b.p : null;

  const pRaw = [d1.length ? part1.p : null, seeds.length ? part2.p : null, p3];
  const finite = pRaw.map((p) => p ?? 1);
  const adj = holm(finite).map((p, i) => (pRaw[i] === null ? null : p));

  // ---- S vs accuracy gap (Spearman over seeds) ---------------------------------------------
  const c1 = accuracy(data, 'model1', 'cnn1', 'digit');
  const c2 = accuracy(data, 'model1', 'cnn2', 'digit');
  const gapSeeds = seeds.filter((s) => c1.has(s) && c2.has(s));
  const gaps = gapSeeds.map((s) => Math.abs(c1.get(s)! - c2.get(s)!));
  const sW = gapSeeds.map((s) => mean(within[seeds.indexOf(s)]));
  const sp = gapSeeds.length >= 3 ? spearman(sW, gaps) : null;

  const effect = (name: string, q: PartResult): ClaimVerdict['effect'] => ({
    name,
    estimate: q.estimate,
    ci: q.ci,
    cohenDz: q.d.length > 1 ? cohenDz(q.d) : null,
    rankBiserial: q.d.some((v) => v !== 0) ? wilcoxon(q.d).rankBiserial : null,
  });
  const tooFew = (n: number): string[] => (n < minSeeds ? [`too few seeds: ${n} < ${minSeeds} (below 6 seeds the exact one-sided Wilcoxon test cannot reach Holm's α/3 even if every seed agrees)`] : []);
  const claims: ClaimVerdict[] = [
    {
      claim: 1,
      statement: 'model-2 is more accurate than model-1 (third-term test accuracy)',
      verdict: decide([part1], adj[0], d1.length, minSeeds, alpha),
      rule: 'd_s = acc(model-2) − acc(model-1) per seed; supported if Holm-adjusted one-sided Wilcoxon p < α and the BCa CI of mean d lies above 0; not supported if mean d ≤ 0',
      test: 'Wilcoxon signed-rank, one-sided (greater), paired by seed; sign-flip permutation test reported',
      nSeeds: d1.length,
      p: part1.p,
      pHolm: adj[0],
      effect: d1.length ? effect('mean accuracy difference model-2 − model-1', part1) : null,
      numbers: { perSeedDifference: d1, differenceSeeds: s1, signFlipP: part1.signFlipP, model1Mean: fin(mean([...a1.values()])), model2Mean: fin(mean([...a2.values()])) },
      notes: tooFew(d1.length),
    },
    {
      claim: 2,
      statement: "equally accurate CNNs learn different filters (model-1's CNN1 vs CNN2: S_i clearly > 0)",
      verdict: decide([part2], adj[1], seeds.length, minSeeds, alpha),
      rule: `d_s = mean S(model-1 CNN1↔CNN2, both directions) − ${frac}·mean S(trained vs fresh Glorot draws); supported if Holm-adjusted one-sided Wilcoxon p < α and the hierarchical-bootstrap CI of mean d lies above 0; not supported if mean d ≤ 0 (the CNNs' filters are within ${frac} of the unrelated-filter scale, i.e. ≈ identical)`,
      test: 'Wilcoxon signed-rank, one-sided (greater), on per-seed d_s; sign-flip permutation test reported',
      nSeeds: seeds.length,
      p: seeds.length ? part2.p : null,
      pHolm: adj[1],
      effect: seeds.length ? effect(`mean S(within model-1) − ${frac}·mean S(fresh Glorot)`, part2) : null,
      numbers: {
        meanSWithinModel1: fin(mean(within.map((g) => mean(g)))),
        meanSFreshGlorot: fin(mean(fresh.map((g) => mean(g)))),
        meanSWithinCnnNearest: fin(mean(['model1.cnn1', 'model1.cnn2'].map((k) => baselines.withinCnnNearest[k]?.mean ?? NaN))),
        meanSCrossSeedCnn1: fin(baselines.crossSeed['model1.cnn1']?.mean ?? NaN),
        meanSTrainedVsInitCnn1: fin(baselines.trainedVsInit['model1.cnn1']?.mean ?? NaN),
        meanSNoiseFloorCnn1: fin(baselines.noiseFloor?.['model1.cnn1']?.mean ?? NaN),
        meanSWithinModel1UnitSignflip: fin(comparisons[0]?.variants['unit-signflip'].mean ?? NaN),
        meanAbsAccuracyGapCnn1Cnn2: fin(mean(gaps)),
        ckaModel1: fin(cka?.comparisons['model1.cnn1 <-> model1.cnn2'].mean ?? NaN),
        identityFraction: frac,
        signFlipP: part2.signFlipP,
      },
      notes: tooFew(seeds.length),
    },
    {
      claim: 3,
      statement: "every model-2 filter has a close counterpart in model-1, and model-2's two CNNs resemble each other",
      verdict: sharedInit
        ? d3a.length ? decide([part3a, part3b], adj[2], seeds.length, minSeeds, alpha) : 'inconclusive'
        : decide([part3b], adj[2], seeds.length, minSeeds, alpha),
      rule: sharedInit
        ? '(a) d_s = mean S(model-2 CNNk → model-1 [CNN1 ∪ CNN2], same seed) − mean S(model-2 CNNk(s) → model-1(b), b ≠ s); (b) d_s = mean S(model-2 CNN1↔CNN2) − mean S(model-1 CNN1↔CNN2); supported if the intersection–union p = max(p_a, p_b) (one-sided Wilcoxon, less) is < α after Holm and both hierarchical-bootstrap CIs lie below 0; not supported if either mean d ≥ 0'
        : '(b) d_s = mean S(model-2 CNN1↔CNN2) − mean S(model-1 CNN1↔CNN2); supported if its one-sided Wilcoxon p (less) is < α after Holm and the hierarchical-bootstrap CI lies below 0; not supported if mean d ≥ 0. Part (a) (same-seed vs cross-seed S, model-2 → model-1) is reported but not tested: without train.sharedInit it is false by construction',
      test: sharedInit
        ? 'Wilcoxon signed-rank, one-sided (less), per part, intersection–union; sign-flip permutation tests reported'
        : 'Wilcoxon signed-rank, one-sided (less), on part (b); sign-flip permutation tests reported (part (a) descriptive)',
      nSeeds: seeds.length,
      p: p3,
      pHolm: adj[2],
      effect: sharedInit
        ? d3a.length ? effect('(a) same-seed minus cross-seed S, model-2 → model-1', part3a) : null
        : seeds.length ? effect('(b) S(model-2 CNN1↔CNN2) minus S(model-1 CNN1↔CNN2)', part3b) : null,
      numbers: {
        partA: sharedInit ? 'tested' : 'descriptive',
        effectPart: sharedInit ? 'a' : 'b',
        pA: part3a.p,
        pB: part3b.p,
        effectA: d3a.length ? fin(part3a.estimate) : null,
        effectALo: d3a.length ? part3a.ci.lo : null,
        effectAHi: d3a.length ? part3a.ci.hi : null,
        effectB: fin(part3b.estimate),
        effectBLo: part3b.ci.lo,
        effectBHi: part3b.ci.hi,
        meanSModel2ToModel1: fin(mean(m2m1.map((g) => mean(g)))),
        meanSCrossSeedControl: ctrl.length ? fin(mean(ctrl.map((g) => mean(g)))) : null,
        meanSModel2Pair: fin(mean(m2pair.map((g) => mean(g)))),
        meanSModel1Pair: fin(mean(within.map((g) => mean(g)))),
        signFlipPA: part3a.signFlipP,
        signFlipPB: part3b.signFlipP,
      },
      notes: [
        ...tooFew(seeds.length),
        ...(sharedInit ? (d3a.length ? [] : ['the cross-seed control needs at least 2 seeds']) : [PART_A_DESCRIPTIVE_NOTE]),
      ],
    },
  ];

  return {
    version: 1,
    configHash: data.configHash,
    seeds,
    kernelSize: data.kernelSize,
    numFilters: data.numFilters,
    alpha,
    minSeeds,
    options: { identityFraction: frac, reps: o.reps, bootstrapSeed: o.bootstrapSeed, level: o.level, freshDraws, sharedInit } satisfies StatsOptions,
    table2: table2(data, o),
    comparisons,
    baselines,
    cka,
    sVsAccuracyGap: { rho: sp ? fin(sp.rho) : null, p: sp ? fin(sp.p) : null, n: gapSeeds.length, gaps, s: sW },
    claims,
    warnings,
  };
}

/** Cross-check similarity.arrow (written by training) against S recomputed from filters.arrow. */
function checkSimilarity(data: StudyData, idx: FilterIndex, warnings: string[]): void {
  let worst = 0;
  let where = '';
  const cache = new Map<string, Float64Array>();
  for (const r of data.similarity) {
    const a = idx.get(r.seed, `${r.refModel}.${r.refNetwork}`, r.refStage);
    const b = idx.get(r.seed, `${r.otherModel}.${r.otherNetwork}`, r.otherStage);
    if (!a || !b) continue;
    const key = `${r.seed}|${r.comparison}|${r.refStage}|${r.otherStage}`;
    let sv = cache.get(key);
    if (!sv) cache.set(key, (sv = filterSimilarity(a.weights, b.weights).s));
    const diff = Math.abs(sv[r.i] - r.s);
    if (diff > worst) [worst, where] = [diff, `seed ${r.seed} '${r.comparison}' i=${r.i}`];
  }
  // float32 weights: recomputed distances agree to ~1e-6; more means the files disagree.
  if (worst > 1e-4) warnings.push(`similarity.arrow disagrees with S recomputed from filters.arrow by up to ${worst.toExponential(2)} (${where})`);
}
