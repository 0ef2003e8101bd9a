/**
 * analyzeStudy: everything the report needs, as one JSON-serialisable StudyStats object, and
 * the verdicts for the paper's three claims (one Holm family) and its Discussion's fourth (its
 * own family). Decision rules: src/stats/README.md (and `rule` in each ClaimVerdict).
 */
import { bootstrapCI, hierarchicalBootstrap } from './bootstrap.ts';
import { glorotLimit } from './baselines.ts';
import { claim1Profile } from './claim1.ts';
import { decide, effectOf, minSeedsFor, NO_CI, pairedPart } from './claim-parts.ts';
import { claim2, concatSeeds, MOVED_FRACTION } from './claim2.ts';
import { CLAIM4_TARGETS, claim4Part, hasClaim4Rows } from './claim4.ts';
import { activationPositions, ckaPrepared, firstLayerActivations, prepareCka, type PreparedCka } from './cka.ts';
import { filterSimilarity, mean } from './distances.ts';
import { claimSentences } from './sentences.ts';
import { table2 } from './table2.ts';
import { LEARNED_THRESHOLD, learnedStats, onnxCheck, withoutSeeds } from './standard.ts';
import {
  baselineStats, comparisonStats, COMPARISONS, crossSeedGroups, FilterIndex, fin, NETWORKS, sGroups, type SummaryOptions,
} from './summaries.ts';
import { holm, spearman, tost } from './tests.ts';
import type { BaselineStats, ClaimVerdict, CkaStats, EquivalenceStats, Interval, SecondaryResult, StatsOptions, StudyData, StudyStats } from './types.ts';

export interface AnalyzeOptions {
  alpha?: number; // 0.05, family-wise over the three claims (Holm); claim 4 alone at α
  /** Below this many seeds every verdict is 'inconclusive' (default: the least n whose exact
   *  one-sided p 2⁻ⁿ can pass the family's first Holm step: 6 for claims 1–3, 5 for claim 4). */
  minSeeds?: number;
  reps?: number; // bootstrap replicates, 4000
  bootstrapSeed?: number; // 0
  level?: number; // CI level, 0.95
  freshDraws?: number; // fresh Glorot sets per trained CNN, 20
  /** Model-2 learned the task at test accuracy ≥ this (default LEARNED_THRESHOLD = 0.5). */
  learnedThreshold?: number;
  /** TOST margin of the CNN1–CNN2 digit accuracy gap (default EQUIVALENCE_MARGIN = 0.005). */
  equivalenceMargin?: number;
  /** Claim 2 premise (default MOVED_FRACTION = 0.5, claim2.ts). */
  movedFraction?: number;
  /** false: skip what no verdict uses (comparison tables, baselines, CKA, Table 2 CIs) — for
   *  the calibration simulations, which run analyzeStudy thousands of times. Default true. */
  descriptive?: boolean;
  /** Test images, n·28·28 floats in [0, 1] (network input scaling); enables CKA. */
  images?: Float32Array;
  /** Images used for CKA (default 1000) and positions sampled per image (default 64 of 26·26):
   *  64k rows; on MNIST, CKA from the subsample differs from all 676 positions by ~1e-3 and is
   *  ~8× faster. Neighbouring positions are strongly correlated, so more add little. */
  ckaImages?: number;
  ckaPositionsPerImage?: number;
}

/** Accuracy of (model, network, target) on the test split per seed. */
function accuracy(data: StudyData, model: string, network: string, target: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of data.metrics) if (m.split === 'test' && m.model === model && m.network === network && m.target === target) out.set(m.seed, m.accuracy);
  return out;
}

/** TOST margin for "equally accurate" CNNs: half a point of digit accuracy. The paper calls its
 *  0.982 and 0.983 equal; one CNN's binomial SE on 10,000 test images at 0.98 is 0.0014, so 0.005
 *  is ~3.5 SE — differences below it are not ones the paper's Table 2 would distinguish. */
export const EQUIVALENCE_MARGIN = 0.005;

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

export function analyzeStudy(input: StudyData, opts: AnalyzeOptions = {}): StudyStats {
  const alpha = opts.alpha ?? 0.05;
  const minSeeds = opts.minSeeds ?? minSeedsFor(alpha, 3);
  const minSeeds4 = opts.minSeeds ?? minSeedsFor(alpha, 1);
  const descriptive = opts.descriptive ?? true;
  const o: SummaryOptions = { reps: opts.reps ?? 4000, bootstrapSeed: opts.bootstrapSeed ?? 0, level: opts.level ?? 0.95 };
  const sharedInit = studySharedInit(input.config);
  const warnings: string[] = [];
  const noCi = NO_CI(o.level);

  // ---- ONNX vs tfjs: seeds whose exported graphs disagree leave every statistic -------------
  const onnx = onnxCheck(input);
  const flaggedSeeds = [...new Set(onnx.flagged.map((f) => f.seed))];
  if (flaggedSeeds.length) warnings.push(`seeds ${flaggedSeeds.join(', ')} are left out of every verdict: their ONNX export disagrees with tfjs (argmax mismatch or max |Δp| ≥ ${onnx.tolerance}), so their metrics may not be the trained network's`);
  if (onnx.unknown.length) warnings.push(`seeds ${onnx.unknown.join(', ')} have no readable ONNX-vs-tfjs record (seed.json): kept, unchecked`);
  const data = withoutSeeds(input, flaggedSeeds);

  const idx = new FilterIndex(data.filters);
  // Seeds with all four trained CNNs; others are reported and left out of filter statistics.
  const seeds = data.seeds.filter((s) => NETWORKS.every((k) => idx.get(s, k)));
  const dropped = data.seeds.filter((s) => !seeds.includes(s));
  if (dropped.length) warnings.push(`seeds ${dropped.join(', ')} lack some trained filter sets and are left out of the filter statistics`);
  if (seeds.length < minSeeds) warnings.push(`only ${seeds.length} complete seeds (< ${minSeeds}): verdicts on claims 1–3 are inconclusive by rule`);

  if (descriptive) checkSimilarity(data, idx, warnings);
  const comparisons = descriptive && seeds.length ? COMPARISONS.map(([r, x]) => comparisonStats(idx, seeds, r, x, o)) : [];
  const limit = glorotLimit(data.kernelSize, data.numFilters);
  const freshDraws = opts.freshDraws ?? 20;
  const baselines: BaselineStats = descriptive
    ? baselineStats(data, idx, seeds, { ...o, freshDraws, glorotLimit: limit })
    : { trainedVsInit: {}, trainedVsFreshGlorot: {}, withinCnnNearest: {}, crossSeed: {}, glorotLimit: limit, freshDraws };
  const cka = descriptive && seeds.length ? ckaStats(data, idx, seeds, opts) : null;
  const boot = (groups: Float64Array[][], stat: (m: number[]) => number): { estimate: number; ci: Interval } =>
    groups[0].length ? hierarchicalBootstrap(groups, stat, { reps: o.reps, seed: o.bootstrapSeed, level: o.level }) : { estimate: NaN, ci: noCi };

  // ---- who learned, who met the standard --------------------------------------------------
  const learned = learnedStats(data, opts.learnedThreshold ?? LEARNED_THRESHOLD, o.level);
  const standard = new Set(learned.standardSeeds);

  // ---- claim 1: model-2 more accurate than model-1 (pipeline, third term, test) ------------
  const a1 = accuracy(data, 'model1', 'pipeline', 'third');
  const a2 = accuracy(data, 'model2', 'pipeline', 'third');
  const claim1On = (ss: number[]) => {
    const d = ss.map((s) => a2.get(s)! - a1.get(s)!);
    const b = d.length ? bootstrapCI(d, undefined, { reps: o.reps, seed: o.bootstrapSeed, level: o.level, method: 'bca', expand: true }) : { estimate: NaN, ci: noCi };
    return pairedPart(d, 'greater', b.estimate, b.ci, descriptive);
  };
  const s1 = data.seeds.filter((s) => a1.has(s) && a2.has(s));
  const part1 = claim1On(s1);
  const s1std = s1.filter((s) => standard.has(s));
  const part1std = claim1On(s1std);

  // ---- claim 2: model-1's CNN1 and CNN2 learn different filters (against the noise floor) --
  const c2 = claim2(idx, seeds, data.kernelSize, { ...o, freshDraws, movedFraction: opts.movedFraction ?? MOVED_FRACTION, signFlip: descriptive });
  const within = c2.within;
  const part2 = c2.part;

  // ---- claim 3: model-2 filters have counterparts in model-1; model-2's CNNs alike --------
  // "A counterpart in model-1": nearest among all 2F filters of model-1 (either CNN).
  const m2m1 = concatSeeds(sGroups(idx, seeds, 'model2.cnn1', 'model1'), sGroups(idx, seeds, 'model2.cnn2', 'model1'));
  const needA = sharedInit || descriptive;
  const ctrl = needA && seeds.length >= 2 ? concatSeeds(crossSeedGroups(idx, seeds, 'model2.cnn1', 'model1'), crossSeedGroups(idx, seeds, 'model2.cnn2', 'model1')) : [];
  const b3a = ctrl.length ? boot([m2m1, ctrl], (m) => m[0] - m[1]) : { estimate: NaN, ci: noCi };
  const d3a = ctrl.length ? seeds.map((_, s) => mean(m2m1[s]) - mean(ctrl[s])) : [];
  const part3a = pairedPart(d3a, 'less', b3a.estimate, b3a.ci, descriptive);
  const m2pair = concatSeeds(sGroups(idx, seeds, 'model2.cnn1', 'model2.cnn2'), sGroups(idx, seeds, 'model2.cnn2', 'model2.cnn1'));
  const b3b = boot([m2pair, within], (m) => m[0] - m[1]);
  const d3b = seeds.map((_, s) => mean(m2pair[s]) - mean(within[s]));
  const part3b = pairedPart(d3b, 'less', b3b.estimate, b3b.ci, descriptive);
  // With train.sharedInit, intersection–union test: claim 3 needs both parts, so its p is the
  // larger of the two. Without it, part (a) is false by construction (see PART_A_DESCRIPTIVE_NOTE):
  // claim 3 rests on part (b) and part (a) is reported descriptively.
  const p3 = sharedInit
    ? part3a.p === null || part3b.p === null || !d3a.length ? null : Math.max(part3a.p, part3b.p)
    : seeds.length ? part3b.p : null;

  // ---- Holm over the paper's three claims; claim 1 on the standard seeds as the alternative --
  // An untestable claim keeps its place in the family (p = 1): the family is fixed in advance.
  const p2 = c2.testable && seeds.length ? part2.p : null;
  const pRaw = [s1.length ? part1.p : null, p2, p3];
  const holmOf = (ps: (number | null)[]): (number | null)[] => holm(ps.map((p) => p ?? 1)).map((p, i) => (ps[i] === null ? null : p));
  const adj = holmOf(pRaw);
  const adjStd = holmOf([s1std.length ? part1std.p : null, p2, p3]);

  // ---- claim 4: model-2's CNNs extract features rather than classify digits (own family) ----
  const measured4 = hasClaim4Rows(data.metrics);
  const std4 = data.seeds.filter((s) => standard.has(s));
  const rel = claim4Part(data.metrics, CLAIM4_TARGETS[0], std4, 'less', o, descriptive);
  const probe = claim4Part(data.metrics, CLAIM4_TARGETS[1], std4, 'two-sided', o);
  const relAll = claim4Part(data.metrics, CLAIM4_TARGETS[0], data.seeds, 'less', o, descriptive);

  // ---- the "equally accurate" premise of claim 2: TOST of the CNN1–CNN2 digit accuracy gap --
  const cnn1 = accuracy(data, 'model1', 'cnn1', 'digit');
  const cnn2 = accuracy(data, 'model1', 'cnn2', 'digit');
  const gapSeeds = data.seeds.filter((s) => cnn1.has(s) && cnn2.has(s));
  const signedGaps = gapSeeds.map((s) => cnn1.get(s)! - cnn2.get(s)!);
  const margin = opts.equivalenceMargin ?? EQUIVALENCE_MARGIN;
  const t = signedGaps.length >= 2 ? tost(signedGaps, margin, alpha) : null;
  const equivalence: EquivalenceStats = {
    margin, n: signedGaps.length, meanGap: fin(mean(signedGaps)), p: t ? fin(t.p) : null,
    ci: t ? { lo: t.ci.lo, hi: t.ci.hi, level: t.ci.level, method: 't' } : noCi,
    equivalent: t ? t.equivalent : null, gaps: signedGaps, seeds: gapSeeds,
  };

  // ---- S vs accuracy gap (Spearman over seeds) ---------------------------------------------
  const spSeeds = seeds.filter((s) => cnn1.has(s) && cnn2.has(s));
  const gaps = spSeeds.map((s) => Math.abs(cnn1.get(s)! - cnn2.get(s)!));
  const sW = spSeeds.map((s) => mean(within[seeds.indexOf(s)]));
  const sp = spSeeds.length >= 3 ? spearman(sW, gaps) : null;

  const tooFew = (n: number, min = minSeeds): string[] =>
    n < min ? [`too few seeds: ${n} < ${min} (with fewer the exact one-sided Wilcoxon test cannot reach the family's first Holm step even if every seed agrees)`] : [];
  const secondary1: SecondaryResult = {
    name: 'seeds trained to the standard',
    seeds: s1std,
    verdict: decide([part1std], adjStd[0], s1std.length, minSeeds, alpha),
    p: s1std.length ? part1std.p : null,
    pAdj: adjStd[0],
    effect: s1std.length ? { name: 'mean accuracy difference model-2 − model-1', estimate: part1std.estimate, ci: part1std.ci } : null,
    note: `only seeds whose model-2 learned the task (test accuracy ≥ ${learned.threshold}) and whose networks met their stop rule${learned.stopRuleRecorded ? '' : ' (not recorded in this study: learned only)'}; conditional on model-2's own outcome, so it answers "when model-2 trains, is it better?", not claim 1 itself; Holm p as if it replaced the all-seeds test in the family`,
  };
  const pB = (q: typeof part3b): number | null => (seeds.length ? q.p : null);
  const claims: ClaimVerdict[] = [
    {
      claim: 1,
      family: 'paper',
      statement: 'model-2 is more accurate than model-1 (third-term test accuracy)',
      sentence: '',
      verdict: decide([part1], adj[0], s1.length, minSeeds, alpha),
      rule: 'd_s = acc(model-2) − acc(model-1) per seed, all seeds; supported if Holm-adjusted one-sided Wilcoxon p < α and the BCa CI of mean d lies above 0; not supported if that CI lies wholly at or below 0; otherwise inconclusive',
      test: 'Wilcoxon signed-rank, one-sided (greater), paired by seed; sign-flip permutation test reported',
      nSeeds: s1.length,
      p: s1.length ? part1.p : null,
      pHolm: adj[0],
      testable: true,
      effect: s1.length ? effectOf('mean accuracy difference model-2 − model-1', part1) : null,
      numbers: {
        perSeedDifference: part1.d, differenceSeeds: s1, signFlipP: part1.signFlipP,
        model1Mean: fin(mean(s1.map((s) => a1.get(s)!))), model2Mean: fin(mean(s1.map((s) => a2.get(s)!))),
        model2MeanLearned: fin(mean(s1std.map((s) => a2.get(s)!))), model1MeanLearned: fin(mean(s1std.map((s) => a1.get(s)!))),
      },
      notes: tooFew(s1.length),
      secondary: [secondary1],
    },
    {
      claim: 2,
      family: 'paper',
      statement: "equally accurate CNNs learn different filters (model-1's CNN1 and CNN2 further apart than two trainings of one CNN from the same initial weights)",
      sentence: '',
      verdict: !c2.testable || c2.moved === false ? 'inconclusive' : decide([part2], adj[1], c2.seeds.length, minSeeds, alpha),
      rule: "d_s = mean S(model-1 CNN1↔CNN2, both directions) − mean S(CNN1 ↔ its rerun from the same initial weights, both directions); effect = (S̄_12 − S̄_noise) / (S̄_fresh Glorot − S̄_noise), 0 = noise floor, 1 = unrelated random filters; supported if Holm-adjusted one-sided Wilcoxon p < α and the hierarchical-bootstrap CI of the effect lies above 0; not supported if it lies wholly at or below 0; not testable without the noise floor; undecided (inconclusive) when the filters barely left their initialisation",
      test: 'Wilcoxon signed-rank, one-sided (greater), on per-seed d_s; sign-flip permutation test reported',
      nSeeds: c2.seeds.length,
      p: p2,
      pHolm: adj[1],
      testable: c2.testable,
      effect: c2.testable ? effectOf('position of S(CNN1↔CNN2) between the noise floor (0) and unrelated random filters (1)', part2) : null,
      numbers: {
        ...c2.numbers,
        perSeedDifference: part2.d,
        differenceSeeds: c2.seeds,
        meanSTrainedVsInitCnn1: fin(baselines.trainedVsInit['model1.cnn1']?.mean ?? NaN),
        meanSCrossSeedCnn1: fin(baselines.crossSeed['model1.cnn1']?.mean ?? NaN),
        meanSWithinCnnNearest: fin(mean(['model1.cnn1', 'model1.cnn2'].map((k) => baselines.withinCnnNearest[k]?.mean ?? NaN))),
        meanSWithinModel1UnitSignflip: fin(comparisons[0]?.variants['unit-signflip'].mean ?? NaN),
        meanAbsAccuracyGapCnn1Cnn2: fin(mean(gaps)),
        ckaModel1: fin(cka?.comparisons['model1.cnn1 <-> model1.cnn2'].mean ?? NaN),
        equivalent: equivalence.equivalent,
        signFlipP: part2.signFlipP,
      },
      notes: [...tooFew(c2.seeds.length), ...c2.notes],
      secondary: [],
    },
    {
      claim: 3,
      family: 'paper',
      statement: "every model-2 filter has a close counterpart in model-1, and model-2's two CNNs resemble each other",
      sentence: '',
      verdict: sharedInit
        ? d3a.length ? decide([part3a, part3b], adj[2], seeds.length, minSeeds, alpha) : 'inconclusive'
        : decide([part3b], adj[2], seeds.length, minSeeds, alpha),
      rule: sharedInit
        ? '(a) d_s = mean S(model-2 CNNk → model-1 [CNN1 ∪ CNN2], same seed) − mean S(model-2 CNNk(s) → model-1(b), b ≠ s); (b) d_s = mean S(model-2 CNN1↔CNN2) − mean S(model-1 CNN1↔CNN2); supported if the intersection–union p = max(p_a, p_b) (one-sided Wilcoxon, less) is < α after Holm and both hierarchical-bootstrap CIs lie below 0; not supported if either CI lies wholly at or above 0'
        : '(b) d_s = mean S(model-2 CNN1↔CNN2) − mean S(model-1 CNN1↔CNN2); supported if its one-sided Wilcoxon p (less) is < α after Holm and the hierarchical-bootstrap CI lies below 0; not supported if the CI lies wholly at or above 0. Part (a) (same-seed vs cross-seed S, model-2 → model-1) is reported but not tested: without train.sharedInit it is false by construction',
      test: sharedInit
        ? 'Wilcoxon signed-rank, one-sided (less), per part, intersection–union; sign-flip permutation tests reported'
        : 'Wilcoxon signed-rank, one-sided (less), on part (b); sign-flip permutation tests reported (part (a) descriptive)',
      nSeeds: seeds.length,
      p: p3,
      pHolm: adj[2],
      testable: true,
      effect: sharedInit
        ? d3a.length ? effectOf('(a) same-seed minus cross-seed S, model-2 → model-1', part3a) : null
        : seeds.length ? effectOf('(b) S(model-2 CNN1↔CNN2) minus S(model-1 CNN1↔CNN2)', part3b) : null,
      numbers: {
        partA: sharedInit ? 'tested' : 'descriptive',
        effectPart: sharedInit ? 'a' : 'b',
        pA: d3a.length ? part3a.p : null,
        pB: pB(part3b),
        effectA: d3a.length ? fin(part3a.estimate) : null,
        effectALo: d3a.length ? part3a.ci.lo : null,
        effectAHi: d3a.length ? part3a.ci.hi : null,
        effectB: fin(part3b.estimate),
        effectBLo: part3b.ci.lo,
        effectBHi: part3b.ci.hi,
        perSeedDifference: part3b.d,
        meanSModel2ToModel1: fin(mean(m2m1.map((g) => mean(g)))),
        meanSCrossSeedControl: ctrl.length ? fin(mean(ctrl.map((g) => mean(g)))) : null,
        meanSModel2Pair: fin(mean(m2pair.map((g) => mean(g)))),
        meanSModel1Pair: fin(mean(within.map((g) => mean(g)))),
        signFlipPA: d3a.length ? part3a.signFlipP : null,
        signFlipPB: part3b.signFlipP,
      },
      notes: [
        ...tooFew(seeds.length),
        ...(sharedInit ? (d3a.length ? [] : ['the cross-seed control needs at least 2 seeds']) : [PART_A_DESCRIPTIVE_NOTE]),
      ],
      secondary: [],
    },
    {
      claim: 4,
      family: 'discussion',
      statement: "model-2's CNNs extract features for the LSTM rather than classify digits (their digit accuracy, under the best relabelling of their outputs, is below model-1's CNNs')",
      sentence: '',
      verdict: measured4 ? decide([rel.part], rel.part.p, rel.seeds.length, minSeeds4, alpha) : 'inconclusive',
      rule: `d_s = relabelled digit accuracy of model-2's CNNs − that of model-1's CNNs (test, CNN1 and CNN2 averaged), seeds trained to the standard; its own family (α = ${alpha}, no Holm with claims 1–3); supported if one-sided Wilcoxon p < α and the BCa CI of mean d lies below 0; not supported if it lies wholly at or above 0; the linear-probe difference is reported beside it`,
      test: 'Wilcoxon signed-rank, one-sided (less), paired by seed; probe: two-sided Wilcoxon, descriptive',
      nSeeds: rel.seeds.length,
      p: measured4 ? rel.part.p : null,
      pHolm: measured4 ? rel.part.p : null,
      testable: measured4,
      effect: measured4 && rel.seeds.length ? effectOf('mean relabelled digit accuracy difference model-2 − model-1 (CNNs)', rel.part) : null,
      numbers: {
        relabelledModel1: rel.model1Mean, relabelledModel2: rel.model2Mean,
        probeModel1: probe.model1Mean, probeModel2: probe.model2Mean,
        probeEffect: fin(probe.part.estimate), probeLo: probe.part.ci.lo, probeHi: probe.part.ci.hi, probeP: probe.part.p,
        perSeedDifference: rel.part.d, differenceSeeds: rel.seeds, signFlipP: rel.part.signFlipP,
      },
      notes: measured4
        ? tooFew(rel.seeds.length, minSeeds4)
        : ['claim 4 cannot be tested: the study has no digit_relabelled / digit_probe rows in metrics.arrow (measured by studies trained after issue #7)'],
      secondary: measured4
        ? [{
          name: 'all seeds', seeds: relAll.seeds, verdict: decide([relAll.part], relAll.part.p, relAll.seeds.length, minSeeds4, alpha),
          p: relAll.part.p, pAdj: relAll.part.p,
          effect: relAll.seeds.length ? { name: 'mean relabelled digit accuracy difference model-2 − model-1 (CNNs)', estimate: relAll.part.estimate, ci: relAll.part.ci } : null,
          note: 'including seeds whose model-2 did not learn the task (their CNNs classify nothing, which favours the claim for the wrong reason)',
        }]
        : [],
    },
  ];

  const st: StudyStats = {
    version: 2,
    configHash: data.configHash,
    seeds,
    kernelSize: data.kernelSize,
    numFilters: data.numFilters,
    alpha,
    minSeeds,
    options: {
      learnedThreshold: learned.threshold, equivalenceMargin: margin, movedFraction: opts.movedFraction ?? MOVED_FRACTION,
      minSeedsPaper: minSeeds, minSeedsDiscussion: minSeeds4, reps: o.reps, bootstrapSeed: o.bootstrapSeed, level: o.level, freshDraws, sharedInit,
    } satisfies StatsOptions,
    onnx,
    learned,
    claim1Profile: claim1Profile(s1, a1, a2, { reps: o.reps, seed: o.bootstrapSeed, level: o.level }),
    equivalence,
    table2: descriptive ? table2(data, o) : [],
    comparisons,
    baselines,
    cka,
    sVsAccuracyGap: { rho: sp ? fin(sp.rho) : null, p: sp ? fin(sp.p) : null, n: spSeeds.length, gaps, s: sW },
    claims,
    warnings,
  };
  const sentences = claimSentences(st);
  for (const c of claims) c.sentence = sentences[c.claim - 1];
  return st;
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
