/**
 * analyzeStudy: everything the report needs, as one JSON-serialisable StudyStats object, and
 * the verdicts for the paper's three claims (one Holm family) and its Discussion's fourth (its
 * own family). Decision rules: src/stats/README.md (and `rule` in each ClaimVerdict).
 */
import { bootstrapCI } from './bootstrap.ts';
import { glorotLimit } from './baselines.ts';
import { claim1Profile } from './claim1.ts';
import { decide, effectOf, minSeedsFor, NO_CI, pairedPart, type PartResult } from './claim-parts.ts';
import { bothWays, claim2, MOVED_FRACTION, type Claim2Result } from './claim2.ts';
import { claim3, type Claim3Result } from './claim3.ts';
import { multiverseSummary } from './multiverse.ts';
import { CLAIM4_TARGETS, claim4Part, hasClaim4Rows } from './claim4.ts';
import { activationPositions, ckaPrepared, firstLayerActivations, prepareCka, type PreparedCka } from './cka.ts';
import { filterSimilarity, mean } from './distances.ts';
import { claimSentences } from './sentences.ts';
import { table2 } from './table2.ts';
import { LEARNED_THRESHOLD, learnedStats, onnxCheck, withoutSeeds } from './standard.ts';
import { baselineStats, comparisonStats, COMPARISONS, FilterIndex, fin, NETWORKS, type SummaryOptions } from './summaries.ts';
import { holm, spearman, tost } from './tests.ts';
import type {
  BaselineStats, ClaimVerdict, CkaStats, EquivalenceStats, MultiverseCell, SecondaryResult, SeedSet, StatsOptions, StudyData, StudyStats, Verdict, YardstickCheck,
} from './types.ts';
import { SEED_SETS } from './types.ts';
import { DECISION_YARDSTICK, YARDSTICKS, type Yardstick } from './yardsticks.ts';

/** Claims 1–3 of one analysis (a seed set and a yardstick), with their Holm family. */
interface PaperAnalysis {
  set: SeedSet;
  yardstick: Yardstick;
  seeds: number[]; // complete seeds of the set (claim 3's)
  c2: Claim2Result;
  c3: Claim3Result;
  p: (number | null)[]; // claims 1–3
  pHolm: (number | null)[];
  verdicts: Verdict[];
}

export interface AnalyzeOptions {
  alpha?: number; // ALPHA, family-wise over the three claims (Holm); claim 4 alone at α
  /** Below this many seeds every verdict is 'inconclusive' (default: the least n whose exact
   *  one-sided p 2⁻ⁿ can pass the family's first Holm step: 6 for claims 1–3, 5 for claim 4). */
  minSeeds?: number;
  reps?: number; // bootstrap replicates, 4000
  bootstrapSeed?: number; // 0
  level?: number; // CI level, 0.95
  /** Two-sided level of the claims' effect intervals (the decision's), default 1 − 2α
   *  (claimLevel): the end on the claimed side is the one-sided 1 − α bound that matches the
   *  one-sided test; a sequential look (sequential.ts) passes 1 − 2α/K. The descriptive intervals
   *  (Table 2, comparisons, learned fraction) stay at `level`. */
  decisionLevel?: number;
  freshDraws?: number; // random sets per trained CNN (baselines) and per reference slot (claim 2's unrelated end), 20
  /** Model-2 learned the task at test accuracy ≥ this (default LEARNED_THRESHOLD = 0.5). */
  learnedThreshold?: number;
  /** TOST margin of the CNN1–CNN2 digit accuracy gap (default EQUIVALENCE_MARGIN = 0.005). */
  equivalenceMargin?: number;
  /** Claim 2 premise (default MOVED_FRACTION = 0.5, claim2.ts). */
  movedFraction?: number;
  /** The yardstick claims 2 and 3 are decided on (default DECISION_YARDSTICK = 'unit',
   *  yardsticks.ts); the paper's raw S is always shown beside it. */
  yardstick?: Yardstick;
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

/** The family-wise error rate of each family (claims 1–3 under Holm; claim 4): the field's 0.05. */
export const ALPHA = 0.05;

/**
 * Two-sided level of a claim's effect interval when its test is one-sided at `alpha`: 1 − 2α
 * (0.90 at α = 0.05). Its end on the claimed side is the one-sided 1 − α confidence bound, so
 * the interval and the one-sided test answer the same question at the same α; a 1 − α two-sided
 * interval would hold the claimed side to α/2 and veto a test that passed (issue 19 review:
 * claim 3 on matched S in results/paper, Holm p 0.0098 yet INCONCLUSIVE). "Not supported" uses
 * the other end, the one-sided bound against the claim.
 */
export const claimLevel = (alpha: number): number => 1 - 2 * alpha;

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
  const alpha = opts.alpha ?? ALPHA;
  const minSeeds = opts.minSeeds ?? minSeedsFor(alpha, 3);
  const minSeeds4 = opts.minSeeds ?? minSeedsFor(alpha, 1);
  const descriptive = opts.descriptive ?? true;
  const o: SummaryOptions = { reps: opts.reps ?? 4000, bootstrapSeed: opts.bootstrapSeed ?? 0, level: opts.level ?? 0.95 };
  const sharedInit = studySharedInit(input.config);
  const warnings: string[] = [];
  const noCi = NO_CI(o.level);
  // The claims' intervals decide with the one-sided p, so their claimed-side end is the one-sided
  // 1 − α bound (claimLevel); Table 2, the comparisons and the learned fraction stay at `level`.
  const od: SummaryOptions = { ...o, level: opts.decisionLevel ?? claimLevel(alpha) };
  const noCiD = NO_CI(od.level);

  // ---- ONNX export vs the trainer's forward pass: seeds whose exports disagree leave every statistic
  const onnx = onnxCheck(input);
  const flaggedSeeds = onnx.leftOut;
  if (flaggedSeeds.length) warnings.push(`seeds ${flaggedSeeds.join(', ')} are left out of every verdict: their exported ONNX graph disagrees with the trainer's forward pass (${onnx.trainers.join(', ')}: an argmax mismatch beyond a near-tie, top-two gap > ${onnx.tolerance}, or max |Δp| ≥ ${onnx.tolerance}), so their metrics may not be the trained network's`);
  if (onnx.unknown.length) warnings.push(`seeds ${onnx.unknown.join(', ')} have no readable export-check record (seed.json exportVsTrainer): kept, unchecked`);
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

  // ---- who learned, who met the standard --------------------------------------------------
  const learned = learnedStats(data, opts.learnedThreshold ?? LEARNED_THRESHOLD, o.level);
  const standard = new Set(learned.standardSeeds);
  // One rule for every claim (src/stats/README.md, "Which seeds decide"): the seeds trained to
  // the standard decide; all seeds are shown beside.
  const onSet = (set: SeedSet, ss: number[]): number[] => (set === 'all' ? ss : ss.filter((s) => standard.has(s)));

  // ---- claim 1: model-2 more accurate than model-1 (pipeline, third term, test) ------------
  const a1 = accuracy(data, 'model1', 'pipeline', 'third');
  const a2 = accuracy(data, 'model2', 'pipeline', 'third');
  const claim1On = (ss: number[]) => {
    const d = ss.map((s) => a2.get(s)! - a1.get(s)!);
    const b = d.length ? bootstrapCI(d, undefined, { reps: od.reps, seed: od.bootstrapSeed, level: od.level, method: 'bca', expand: true }) : { estimate: NaN, ci: noCiD };
    return pairedPart(d, 'greater', b.estimate, b.ci, descriptive);
  };
  const s1all = data.seeds.filter((s) => a1.has(s) && a2.has(s));
  const claim1Of = new Map<SeedSet, { seeds: number[]; part: PartResult }>();
  for (const set of SEED_SETS) {
    const ss = onSet(set, s1all);
    claim1Of.set(set, { seeds: ss, part: claim1On(ss) });
  }

  // ---- claims 2 and 3 on a yardstick and a seed set; Holm over claims 1–3 of that analysis --
  const yardstick = opts.yardstick ?? DECISION_YARDSTICK;
  const movedFraction = opts.movedFraction ?? MOVED_FRACTION;
  const studyHasNoiseFloor = seeds.some((s) => idx.get(s, 'model1.cnn1_rerun'));
  const analyses = new Map<string, PaperAnalysis>();
  const analysis = (set: SeedSet, y: Yardstick): PaperAnalysis => {
    const key = `${set}|${y}`;
    const hit = analyses.get(key);
    if (hit) return hit;
    const ss = onSet(set, seeds);
    const c2 = claim2(idx, ss, data.kernelSize, { ...od, freshDraws, movedFraction, signFlip: descriptive, yardstick: y, numFilters: data.numFilters, studyHasNoiseFloor });
    const c3 = claim3(idx, ss, { ...od, yardstick: y, sharedInit, descriptive });
    const c1 = claim1Of.get(set)!;
    // An untestable claim keeps its place in the family (p = 1): the family is fixed in advance.
    const p2 = c2.testable && ss.length ? c2.part.p : null;
    const ps = [c1.seeds.length ? c1.part.p : null, p2, c3.p];
    const adj = holm(ps.map((p) => p ?? 1)).map((p, i) => (ps[i] === null ? null : p));
    const verdicts: Verdict[] = [
      decide([c1.part], adj[0], c1.seeds.length, minSeeds, alpha),
      !c2.testable || c2.moved !== true ? 'inconclusive' : decide([c2.part], adj[1], c2.seeds.length, minSeeds, alpha),
      sharedInit ? (c3.hasA ? decide([c3.partA, c3.partB], adj[2], ss.length, minSeeds, alpha) : 'inconclusive') : decide([c3.partB], adj[2], ss.length, minSeeds, alpha),
    ];
    const out: PaperAnalysis = { set, yardstick: y, seeds: ss, c2, c3, p: ps, pHolm: adj, verdicts };
    analyses.set(key, out);
    return out;
  };
  const main = analysis('standard', yardstick);
  const c2 = main.c2;
  const c3 = main.c3;
  const part1 = claim1Of.get('standard')!.part;
  const s1 = claim1Of.get('standard')!.seeds;
  const part3a = c3.partA;
  const part3b = c3.partB;
  const adj = main.pHolm;

  // ---- claim 4: model-2's CNNs extract features rather than classify digits (own family) ----
  const measured4 = hasClaim4Rows(data.metrics);
  const claim4Of = (set: SeedSet, signFlip = descriptive) => claim4Part(data.metrics, CLAIM4_TARGETS[0], onSet(set, data.seeds), 'less', od, signFlip);
  const rel = claim4Of('standard');
  const probe = claim4Part(data.metrics, CLAIM4_TARGETS[1], onSet('standard', data.seeds), 'two-sided', o);
  const relAll = claim4Of('all');
  const verdict4 = (r: typeof rel): Verdict => (measured4 ? decide([r.part], r.part.p, r.seeds.length, minSeeds4, alpha) : 'inconclusive');

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

  // ---- S vs accuracy gap (Spearman over seeds; the paper's raw S) ---------------------------
  const spSeeds = seeds.filter((s) => cnn1.has(s) && cnn2.has(s));
  const gaps = spSeeds.map((s) => Math.abs(cnn1.get(s)! - cnn2.get(s)!));
  const sW = bothWays(idx, spSeeds, 'model1.cnn1', 'model1.cnn2', 'raw').map((g) => mean(g));
  const sp = spSeeds.length >= 3 ? spearman(sW, gaps) : null;

  // ---- beside the decision: the paper's raw S (claims 2, 3) and all seeds (every claim) -----
  const stdNote = `seeds trained to the standard: model-2 learned the task (test accuracy ≥ ${learned.threshold}) and every network met its stop rule${learned.stopRuleRecorded ? '' : ' (not recorded in this study: learned only)'}`;
  const allNote = 'all seeds, including those whose model-2 did not learn the task (a stalled model-2 counts with its plateau accuracy and its barely-moved filters); Holm p within the same analysis of claims 1–3 on all seeds';
  const rawNote = "the paper's raw S_i = min_j ‖F_i − G_j‖ on the same seeds; it grows with the filters' length, so it does not decide (a verdict unchanged when a network's filters are rescaled needs a scale-free yardstick); Holm p within the family of claims 1–3 with claims 2 and 3 on raw S";
  const besideOf = (claim: 1 | 2 | 3, a: PaperAnalysis, name: string, note: string): SecondaryResult => {
    const i = claim - 1;
    const n = claim === 1 ? claim1Of.get(a.set)!.seeds : claim === 2 ? a.c2.seeds : a.seeds;
    const part = claim === 1 ? claim1Of.get(a.set)!.part : claim === 2 ? a.c2.part : sharedInit ? a.c3.partA : a.c3.partB;
    const testable = claim !== 2 || a.c2.testable;
    return {
      name, seeds: n, verdict: a.verdicts[i], p: a.p[i], pAdj: a.pHolm[i],
      effect: testable && n.length && Number.isFinite(part.estimate) ? { name: claim === 1 ? 'mean accuracy difference model-2 − model-1' : claim === 2 ? 'position between the noise floor (0) and unrelated random filters (1)' : sharedInit ? '(a) same-seed minus cross-seed S' : '(b) S(model-2 pair) minus S(model-1 pair)', estimate: part.estimate, ci: part.ci } : null,
      note,
    };
  };
  const rawA = descriptive ? analysis('standard', 'raw') : null;
  const allA = descriptive ? analysis('all', yardstick) : null;
  const yardstickCheck = (claim: 2 | 3): YardstickCheck | null => {
    if (!rawA) return null;
    const decision = main.verdicts[claim - 1];
    const raw = rawA.verdicts[claim - 1];
    const agree = decision === raw;
    return {
      decides: yardstick, beside: 'raw', verdict: decision, besideVerdict: raw, agree,
      note: agree
        ? `the ${yardstick} and the paper's raw S agree (${decision})`
        : `the two yardsticks disagree: ${yardstick} S gives ${decision.toUpperCase()}, the paper's raw S gives ${raw.toUpperCase()}; the ${yardstick} S decides (raw S also measures the filters' length, which ReLU networks can rescale freely)`,
    };
  };

  // ---- the multiverse: every claim under each yardstick × seed set -------------------------
  const multiverse: MultiverseCell[] = [];
  if (descriptive) {
    for (const set of SEED_SETS) {
      for (const y of YARDSTICKS) {
        const a = analysis(set, y);
        for (const claim of [1, 2, 3] as const) {
          const b = besideOf(claim, a, '', '');
          multiverse.push({ claim, seedSet: set, yardstick: y, verdict: b.verdict, estimate: b.effect ? fin(b.effect.estimate) : null, lo: b.effect?.ci.lo ?? null, hi: b.effect?.ci.hi ?? null, p: b.p, pHolm: b.pAdj, nSeeds: b.seeds.length });
        }
        const r = set === 'standard' ? rel : relAll;
        multiverse.push({ claim: 4, seedSet: set, yardstick: y, verdict: verdict4(r), estimate: measured4 && r.seeds.length ? fin(r.part.estimate) : null, lo: r.part.ci.lo, hi: r.part.ci.hi, p: measured4 ? r.part.p : null, pHolm: measured4 ? r.part.p : null, nSeeds: r.seeds.length });
      }
    }
  }

  const tooFew = (n: number, min = minSeeds): string[] =>
    n < min ? [`too few seeds: ${n} < ${min} (with fewer the exact one-sided Wilcoxon test cannot reach the family's first Holm step even if every seed agrees)`] : [];
  const decidedOn = (y: Yardstick | null): ClaimVerdict['decidedOn'] => ({ seedSet: 'standard', yardstick: y });
  const claims: ClaimVerdict[] = [
    {
      claim: 1,
      family: 'paper',
      statement: 'model-2 is more accurate than model-1 (third-term test accuracy)',
      sentence: '',
      verdict: main.verdicts[0],
      rule: `d_s = acc(model-2) − acc(model-1) per seed, on the ${stdNote}; supported if Holm-adjusted one-sided Wilcoxon p < α and the BCa CI of mean d lies above 0; not supported if that CI lies wholly at or below 0; otherwise inconclusive; all seeds beside it`,
      test: 'Wilcoxon signed-rank, one-sided (greater), paired by seed; sign-flip permutation test reported',
      nSeeds: s1.length,
      p: main.p[0],
      pHolm: adj[0],
      testable: true,
      effect: s1.length ? effectOf('mean accuracy difference model-2 − model-1', part1) : null,
      numbers: {
        perSeedDifference: part1.d, differenceSeeds: s1, signFlipP: part1.signFlipP,
        model1Mean: fin(mean(s1.map((s) => a1.get(s)!))), model2Mean: fin(mean(s1.map((s) => a2.get(s)!))),
        model1MeanAll: fin(mean(s1all.map((s) => a1.get(s)!))), model2MeanAll: fin(mean(s1all.map((s) => a2.get(s)!))),
        seedsAll: s1all.length,
      },
      notes: tooFew(s1.length),
      secondary: allA ? [besideOf(1, allA, 'all seeds', allNote)] : [],
      decidedOn: decidedOn(null),
      yardstickCheck: null,
    },
    {
      claim: 2,
      family: 'paper',
      statement: "equally accurate CNNs learn different filters (model-1's CNN1 and CNN2 further apart than two trainings of one CNN from the same initial weights)",
      sentence: '',
      verdict: main.verdicts[1],
      rule: `on the ${yardstick} yardstick (src/stats/README.md, "Yardsticks") and the ${stdNote}: d_s = mean S(model-1 CNN1↔CNN2, both directions) − mean S(CNN1 ↔ its rerun from the same initial weights, both directions); effect = (S̄_12 − S̄_noise) / (S̄_unrelated − S̄_noise), 0 = noise floor, 1 = unrelated random filters (independent random sets on the same yardstick, no trained network involved); supported if Holm-adjusted one-sided Wilcoxon p < α and the paired hierarchical-bootstrap CI of the effect lies above 0; not supported if it lies wholly at or below 0; not testable without the noise floor; undecided (inconclusive) when either model-1 CNN barely left its initialisation`,
      test: 'Wilcoxon signed-rank, one-sided (greater), on per-seed d_s; sign-flip permutation test reported',
      nSeeds: c2.seeds.length,
      p: main.p[1],
      pHolm: adj[1],
      testable: c2.testable,
      effect: c2.testable && c2.seeds.length ? effectOf('position of S(CNN1↔CNN2) between the noise floor (0) and unrelated random filters (1)', c2.part) : null,
      numbers: {
        ...c2.numbers,
        perSeedDifference: c2.part.d,
        differenceSeeds: c2.seeds,
        meanSTrainedVsInitCnn1: fin(baselines.trainedVsInit['model1.cnn1']?.mean ?? NaN),
        meanSCrossSeedCnn1: fin(baselines.crossSeed['model1.cnn1']?.mean ?? NaN),
        meanSWithinCnnNearest: fin(mean(['model1.cnn1', 'model1.cnn2'].map((k) => baselines.withinCnnNearest[k]?.mean ?? NaN))),
        meanSWithinModel1UnitSignflip: fin(comparisons[0]?.variants['unit-signflip'].mean ?? NaN),
        meanAbsAccuracyGapCnn1Cnn2: fin(mean(gaps)),
        ckaModel1: fin(cka?.comparisons['model1.cnn1 <-> model1.cnn2'].mean ?? NaN),
        equivalent: equivalence.equivalent,
        signFlipP: c2.part.signFlipP,
      },
      notes: [...tooFew(c2.seeds.length), ...c2.notes],
      secondary: rawA && allA ? [besideOf(2, rawA, "raw S (the paper's measure)", rawNote), besideOf(2, allA, 'all seeds', allNote)] : [],
      decidedOn: decidedOn(yardstick),
      yardstickCheck: yardstickCheck(2),
    },
    {
      claim: 3,
      family: 'paper',
      statement: "every model-2 filter has a close counterpart in model-1, and model-2's two CNNs resemble each other",
      sentence: '',
      verdict: main.verdicts[2],
      rule: `on the ${yardstick} yardstick and the ${stdNote}: ` + (sharedInit
        ? '(a) d_s = mean S(model-2 CNNk → model-1 [CNN1 ∪ CNN2], same seed) − mean S(model-2 CNNk(s) → model-1(b), b ≠ s); (b) d_s = mean S(model-2 CNN1↔CNN2) − mean S(model-1 CNN1↔CNN2); supported if the intersection–union p = max(p_a, p_b) (one-sided Wilcoxon, less) is < α after Holm and both paired hierarchical-bootstrap CIs lie below 0; not supported if either CI lies wholly at or above 0'
        : '(b) d_s = mean S(model-2 CNN1↔CNN2) − mean S(model-1 CNN1↔CNN2); supported if its one-sided Wilcoxon p (less) is < α after Holm and the paired hierarchical-bootstrap CI lies below 0; not supported if the CI lies wholly at or above 0. Part (a) (same-seed vs cross-seed S, model-2 → model-1) is reported but not tested: without train.sharedInit it is false by construction'),
      test: sharedInit
        ? 'Wilcoxon signed-rank, one-sided (less), per part, intersection–union; sign-flip permutation tests reported'
        : 'Wilcoxon signed-rank, one-sided (less), on part (b); sign-flip permutation tests reported (part (a) descriptive)',
      nSeeds: main.seeds.length,
      p: main.p[2],
      pHolm: adj[2],
      testable: true,
      effect: sharedInit
        ? c3.hasA ? effectOf('(a) same-seed minus cross-seed S, model-2 → model-1', part3a) : null
        : main.seeds.length ? effectOf('(b) S(model-2 CNN1↔CNN2) minus S(model-1 CNN1↔CNN2)', part3b) : null,
      numbers: {
        yardstick,
        partA: sharedInit ? 'tested' : 'descriptive',
        effectPart: sharedInit ? 'a' : 'b',
        pA: c3.hasA ? part3a.p : null,
        pB: main.seeds.length ? part3b.p : null,
        effectA: c3.hasA ? fin(part3a.estimate) : null,
        effectALo: c3.hasA ? part3a.ci.lo : null,
        effectAHi: c3.hasA ? part3a.ci.hi : null,
        effectB: fin(part3b.estimate),
        effectBLo: part3b.ci.lo,
        effectBHi: part3b.ci.hi,
        perSeedDifference: part3b.d,
        differenceSeeds: main.seeds,
        ...c3.numbers,
        signFlipPA: c3.hasA ? part3a.signFlipP : null,
        signFlipPB: part3b.signFlipP,
      },
      notes: [
        ...tooFew(main.seeds.length),
        ...(sharedInit ? (c3.hasA ? [] : ['the cross-seed control needs at least 2 seeds']) : [PART_A_DESCRIPTIVE_NOTE]),
      ],
      secondary: rawA && allA ? [besideOf(3, rawA, "raw S (the paper's measure)", rawNote), besideOf(3, allA, 'all seeds', allNote)] : [],
      decidedOn: decidedOn(yardstick),
      yardstickCheck: yardstickCheck(3),
    },
    {
      claim: 4,
      family: 'discussion',
      statement: "model-2's CNNs extract features for the LSTM rather than classify digits (their digit accuracy, under the best relabelling of their outputs, is below model-1's CNNs')",
      sentence: '',
      verdict: verdict4(rel),
      rule: `d_s = relabelled digit accuracy of model-2's CNNs − that of model-1's CNNs (test, CNN1 and CNN2 averaged), on the ${stdNote}; its own family (α = ${alpha}, no Holm with claims 1–3); supported if one-sided Wilcoxon p < α and the BCa CI of mean d lies below 0; not supported if it lies wholly at or above 0; the linear-probe difference is reported beside it`,
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
          name: 'all seeds', seeds: relAll.seeds, verdict: verdict4(relAll),
          p: relAll.part.p, pAdj: relAll.part.p,
          effect: relAll.seeds.length ? { name: 'mean relabelled digit accuracy difference model-2 − model-1 (CNNs)', estimate: relAll.part.estimate, ci: relAll.part.ci } : null,
          note: 'including seeds whose model-2 did not learn the task (their CNNs classify nothing, which favours the claim for the wrong reason)',
        }]
        : [],
      decidedOn: decidedOn(null),
      yardstickCheck: null,
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
      learnedThreshold: learned.threshold, equivalenceMargin: margin, movedFraction,
      minSeedsPaper: minSeeds, minSeedsDiscussion: minSeeds4, reps: o.reps, bootstrapSeed: o.bootstrapSeed, level: o.level, claimLevel: od.level, freshDraws, sharedInit,
      yardstick, seedSet: 'standard',
    } satisfies StatsOptions,
    onnx,
    learned,
    claim1Profile: claim1Profile(s1all, a1, a2, { reps: o.reps, seed: o.bootstrapSeed, level: o.level }),
    equivalence,
    table2: descriptive ? table2(data, o) : [],
    comparisons,
    baselines,
    cka,
    sVsAccuracyGap: { rho: sp ? fin(sp.rho) : null, p: sp ? fin(sp.p) : null, n: spSeeds.length, gaps, s: sW },
    claims,
    multiverse,
    multiverseSummary: multiverse.length ? multiverseSummary(multiverse, claims) : [],
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
