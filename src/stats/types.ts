/**
 * Types shared by the statistics modules. Inputs (StudyData) hold typed arrays; the output
 * (StudyStats) is plain JSON: numbers, strings, arrays, null — never NaN/Infinity (null instead).
 */

// The study folder's rows and the loader's output live with the reader (io/, below stats in the
// flow); re-exported here so the statistics modules name them from one place.
export type { ModelName, NetworkName, Stage, MetricRow, SimilarityRow } from '../io/schema.ts';
export type { FilterSet, SeedAgreement, StudyData } from '../io/study-data.ts';

/** The per-filter distance a filter claim is measured on (yardsticks.ts): a distances.ts variant or
 *  the Hungarian-matched cost. */
export type Yardstick = 'raw' | 'unit' | 'signflip' | 'unit-signflip' | 'matched';

/** Which seeds enter a claim: 'standard' = trained to the standard (decides every claim), 'all'
 *  = every seed (shown beside). */
export type SeedSet = 'standard' | 'all';
export const SEED_SETS: SeedSet[] = ['standard', 'all'];

/** A filter set: F rows of length D = K·K (row-major w_r_c), or a flat F×D matrix. */
export type FilterInput = ArrayLike<number>[] | { rows: number; cols: number; data: ArrayLike<number> };

/** A confidence interval; null bounds when it could not be computed (e.g. one seed). */
export interface Interval {
  lo: number | null;
  hi: number | null;
  level: number; // e.g. 0.95
  method: string; // 'percentile' | 'bca' | 'hierarchical-percentile'
}

/** Summary of S_i for one comparison and one distance variant. */
export interface SSummary {
  /** Grand mean of S_i over all seeds and filters (= mean of per-seed means: F is equal). */
  mean: number;
  /** Median of all S_i pooled over seeds. */
  median: number;
  /** SD of the per-seed means (seed is the unit of replication). */
  sdSeeds: number | null;
  /** Hierarchical bootstrap CI of the mean (seeds, then filters within seeds). */
  ci: Interval;
  /** Per seed: mean_i S_i, in the order of `seeds`. */
  perSeed: number[];
}

export interface ComparisonStats {
  comparison: string; // 'model1.cnn1 -> model1.cnn2'
  seeds: number[];
  /** Keys: 'raw' | 'unit' | 'signflip' | 'unit-signflip' (see distances.ts). */
  variants: Record<string, SSummary>;
  /** Hungarian one-to-one matching on raw distances: mean matched cost (per seed and summary). */
  matched: SSummary;
  /** Collisions = F − #distinct argmins (raw): per seed and mean. */
  collisions: { perSeed: number[]; mean: number };
  /** Symmetric (Chamfer) raw distance: mean of both directions' mean S; per seed and mean. */
  chamfer: { perSeed: number[]; mean: number };
}

export interface Table2Row {
  key: string; // 'CNN1' | 'CNN2' | 'model-1' | 'model-2' | '<model>.<network>.<target>'
  /** What the report, terminal summary and figures show, e.g. 'CNN1' or
   *  'model-2 CNN1 (diagnostic: never trained on digits)'. */
  label: string;
  /** True for rows that are not a trained classifier of their target: model-2's CNNs on digits
   *  (trained end to end on the third term only; their argmax accuracy is a diagnostic). */
  diagnostic: boolean;
  model: string;
  network: string;
  target: string;
  split: string;
  n: number; // seeds
  mean: number;
  sd: number | null;
  ci: Interval;
  paper: number | null;
  perSeed: { seed: number; accuracy: number }[];
}

export type Verdict = 'supported' | 'not supported' | 'inconclusive';

/** A claim's result on another set of seeds or with another test (shown beside the verdict). */
export interface SecondaryResult {
  name: string; // e.g. 'seeds trained to the standard'
  seeds: number[];
  verdict: Verdict;
  p: number | null;
  /** p adjusted within the claim's family as if this analysis replaced the primary one. */
  pAdj: number | null;
  effect: { name: string; estimate: number; ci: Interval } | null;
  note: string;
}

export interface ClaimVerdict {
  claim: 1 | 2 | 3 | 4;
  /** Multiplicity family: 'paper' = claims 1–3 under Holm; 'discussion' = claim 4 on its own. */
  family: 'paper' | 'discussion';
  statement: string;
  /** One plain sentence for a newcomer, with the numbers (what was found). */
  sentence: string;
  verdict: Verdict;
  /** The exact rule that produced the verdict, in words. */
  rule: string;
  test: string;
  nSeeds: number;
  /** Raw and family-adjusted (Holm) one-sided p (null if not computed). */
  p: number | null;
  pHolm: number | null;
  /** The claim could not be tested at all (claim 2 without the noise floor): verdict inconclusive. */
  testable: boolean;
  /** Effect (mean paired difference, claimed direction documented in `rule`) with its CI. */
  effect: { name: string; estimate: number; ci: Interval; cohenDz: number | null; rankBiserial: number | null } | null;
  /** Further numbers behind the verdict. */
  numbers: Record<string, number | number[] | string | boolean | null>;
  notes: string[];
  /** Beside the decision: all seeds (every claim) and, for claims 2 and 3, the paper's raw S. */
  secondary: SecondaryResult[];
  /** What decided the verdict: the seed set (one rule for all claims) and, for claims 2 and 3,
   *  the yardstick (null for claims 1 and 4, which measure accuracies). */
  decidedOn: { seedSet: SeedSet; yardstick: Yardstick | null };
  /** Claims 2 and 3: the decision's yardstick against the paper's raw S (null otherwise, and
   *  with `descriptive: false`). */
  yardstickCheck: YardstickCheck | null;
}

/** The deciding yardstick's verdict beside the paper's raw S, and whether they agree. */
export interface YardstickCheck {
  decides: Yardstick;
  beside: 'raw';
  verdict: Verdict;
  besideVerdict: Verdict;
  agree: boolean;
  note: string;
}

/** One cell of the multiverse: a claim's verdict under one yardstick and one seed set (Holm
 *  within that analysis' family; claims 1 and 4 do not depend on the yardstick except through
 *  claim 1's Holm family). */
export interface MultiverseCell {
  claim: 1 | 2 | 3 | 4;
  seedSet: SeedSet;
  yardstick: Yardstick;
  verdict: Verdict;
  estimate: number | null;
  lo: number | null;
  hi: number | null;
  p: number | null;
  pHolm: number | null;
  nSeeds: number;
}

/** Per claim, one word over its multiverse cells: 'robust' (all agree), 'seeds' (the
 *  yardsticks agree within each seed set, the seed sets differ), or the yardsticks that carry
 *  its most decisive verdict, joined by '+' (e.g. 'raw'). */
export interface MultiverseSummary {
  claim: 1 | 2 | 3 | 4;
  summary: string;
  /** The verdict that decides (unit yardstick, seeds trained to the standard). */
  verdict: Verdict;
}

/**
 * seed.json's ONNX export check over the study's seeds: the exported graph against the trainer's own
 * forward pass (flagged seeds leave every verdict).
 */
export interface OnnxCheck {
  /** False for data without seed.json records (synthetic studies). */
  recorded: boolean;
  tolerance: number;
  /** The forward passes the exports were compared with ('onnxruntime', 'tfjs wasm', …; 'unknown' if a record does not say). */
  trainers: string[];
  checked: number[];
  /** Per seed and model: a decisive argmax mismatch (null: an old record without gaps, every mismatch counts) or max |Δp| ≥ tolerance. */
  flagged: { seed: number; model: string; trainer: string | null; argmaxMismatches: number; decisiveMismatches: number | null; maxAbsDiff: number | null }[];
  /** The seeds the check leaves out (distinct seeds of `flagged`). */
  leftOut: number[];
  /** Argmax flips at a near-tie (top-two gap ≤ tolerance) over all checked seeds: not counted. */
  nearTies: number;
  /** Seeds without a readable record (not excluded). */
  unknown: number[];
}

/** Model-2 learned the task (test accuracy ≥ threshold) and the seeds trained to the standard. */
export interface LearnedStats {
  threshold: number;
  /** Whether metrics.arrow has met_stop_rule (train7); without it "standard" = learned. */
  stopRuleRecorded: boolean;
  k: number;
  n: number;
  fraction: number | null;
  ci: Interval; // Clopper–Pearson
  perSeed: { seed: number; accuracy: number; learned: boolean; metStopRule: boolean | null; standard: boolean }[];
  standardSeeds: number[];
}

/** The "equally accurate" premise of claim 2: TOST of acc(model-1 CNN1) − acc(model-1 CNN2). */
export interface EquivalenceStats {
  margin: number;
  n: number;
  meanGap: number | null;
  p: number | null;
  ci: Interval; // (1 − 2α) t interval
  equivalent: boolean | null;
  gaps: number[];
  seeds: number[];
}

export interface BaselineStats {
  /** Keys like 'model1.cnn1'; each entry summarises S_i of that trained CNN against a reference. */
  trainedVsInit: Record<string, SSummary>;
  trainedVsFreshGlorot: Record<string, SSummary>;
  withinCnnNearest: Record<string, SSummary>;
  /** model-1 CNN1 vs its rerun from the same initial weights with another data order (train.noiseFloor); absent otherwise. */
  noiseFloor?: Record<string, SSummary>;
  /** Same role across seeds (pairs a<b, both directions pooled): mean S and per pair. */
  crossSeed: Record<string, { mean: number; median: number; pairs: { a: number; b: number; s: number }[] }>;
  /** Glorot-uniform limit sqrt(6/(K²+K²F)) used for the fresh draws. */
  glorotLimit: number;
  freshDraws: number;
}

export interface CkaStats {
  images: number;
  positionsPerImage: number;
  /** Per comparison: per-seed debiased linear CKA and mean. */
  comparisons: Record<string, { perSeed: number[]; mean: number }>;
}

/** P(model-2 > model-1 on a random seed), paired by seed (claim1.ts). */
export interface ProbabilityOfImprovement {
  /** (wins + ties/2) / n; null without seeds. */
  estimate: number | null;
  /** Percentile bootstrap over seeds (rliable). */
  ci: Interval;
  /** Clopper–Pearson, ties as losses (lo) and as wins (hi): never narrower than its level. */
  exactCi: Interval;
  wins: number;
  ties: number;
  losses: number;
  n: number;
}

/** Claim 1 per seed (claim1.ts): the two pipelines' test accuracies and the probability of improvement. */
export interface Claim1Profile {
  seeds: number[];
  /** Third-term test accuracy per seed, in the order of `seeds`. */
  model1: number[];
  model2: number[];
  probabilityOfImprovement: ProbabilityOfImprovement;
}

/** The analysis settings actually used (AnalyzeOptions after defaults). */
export interface StatsOptions {
  /** Model-2 learned the task at test accuracy ≥ this (standard.ts LEARNED_THRESHOLD). */
  learnedThreshold: number;
  /** TOST margin for the CNN1–CNN2 test-accuracy gap (claim 2's "equally accurate" premise). */
  equivalenceMargin: number;
  /** Claim 2 premise: each of model-1's CNNs left its initialisation when mean S(trained vs own
   *  init) ≥ this fraction of the unrelated end (same yardstick, yardsticks.ts unrelatedS). */
  movedFraction: number;
  /** Seeds below which a family's verdicts are inconclusive: claims 1–3, claim 4. */
  minSeedsPaper: number;
  minSeedsDiscussion: number;
  reps: number;
  bootstrapSeed: number;
  /** Two-sided level of the descriptive intervals (Table 2, comparisons, learned fraction). */
  level: number;
  /** Two-sided level of the claims' effect intervals: 1 − 2α (verdicts.ts claimLevel), so the end on
   *  the claimed side is the one-sided 1 − α bound of the one-sided test. */
  claimLevel: number;
  freshDraws: number;
  /** The study's config.train.sharedInit (false when absent): whether claim 3 part (a) is tested. */
  sharedInit: boolean;
  /** The yardstick claims 2 and 3 are decided on (yardsticks.ts DECISION_YARDSTICK). */
  yardstick: Yardstick;
  /** The seeds every claim is decided on ('standard': trained to the standard). */
  seedSet: SeedSet;
}

/**
 * What the procedure does after an analysis:
 *  'decided'    every claim of the paper's family is decided: stop;
 *  'last look'  some claim is undecided but no look remains: stop;
 *  'continue'   some claim is undecided: train the next look's seeds;
 *  'incomplete' seeds of the look are missing (failed, killed): not a look, it stops nothing;
 *  'not a look' the study's seed count is none of the design's looks.
 */
export type LookOutcome = 'decided' | 'last look' | 'continue' | 'incomplete' | 'not a look';

/** What stats.json, the report and the `done` event say about the sequential design at this analysis. */
export interface SequentialStats {
  looks: number[];
  alpha: number;
  alphaPerLook: number;
  level: number;
  /** This analysis' look (1-based), or null when the seed count is no look. */
  look: number | null;
  /** Seeds the look plans (config seeds.count). */
  seedsAtLook: number;
  /** Every seed of the look finished. */
  complete: boolean;
  outcome: LookOutcome;
  /** Looks taken so far: 1 … look, each analysed once (a resumed run re-analyses the same seeds to the same verdicts). */
  looksTaken: number | null;
  /** The seeds of the next look when the outcome is 'continue', else null. */
  nextLook: number | null;
  /** Claims of the paper's family still undecided. */
  undecided: number[];
  /** The design in one sentence. */
  design: string;
  /** What this analysis' verdicts mean under the design. */
  note: string;
}

export interface StudyStats {
  version: 2;
  configHash: string | null;
  seeds: number[];
  kernelSize: number;
  numFilters: number;
  alpha: number;
  minSeeds: number;
  options: StatsOptions;
  /** ONNX export check (export vs the trainer's forward pass); flagged seeds are not in `seeds` nor in any verdict. */
  onnx: OnnxCheck;
  learned: LearnedStats;
  /** Claim 1 seed by seed (claim1.ts): per-seed accuracies and P(model-2 > model-1 on a random seed). */
  claim1Profile: Claim1Profile;
  equivalence: EquivalenceStats;
  table2: Table2Row[];
  comparisons: ComparisonStats[];
  baselines: BaselineStats;
  cka: CkaStats | null;
  /** Spearman ρ between per-seed within-model-1 mean S and |acc(CNN1) − acc(CNN2)| (digit, test). */
  sVsAccuracyGap: { rho: number | null; p: number | null; n: number; gaps: number[]; s: number[] };
  claims: ClaimVerdict[];
  /** Every claim's verdict under each yardstick × seed set (empty with `descriptive: false`). */
  multiverse: MultiverseCell[];
  multiverseSummary: MultiverseSummary[];
  warnings: string[];
  /** Seeds the studies planned (config.json) with no finished seed folder: a failed or killed shard's (set by aggregate). */
  missingSeeds?: number[];
  /** A study run with seeds.untilDecided: the sequential design and this look (sequential.ts; set by aggregate; absent otherwise). */
  sequential?: SequentialStats;
}
