/**
 * Whole synthetic studies for calibrating the verdict procedure (item 7 of issue #7): each claim
 * true or false by construction, per-seed effects with the spread of real studies, analysed by
 * the complete analyzeStudy. Used by test/stats-calibration.test.ts and bench/calibration.ts
 * (which writes the table in src/stats/README.md).
 *
 * Generative model, per seed (magnitudes from real quick-preset studies, see REAL below):
 *   filters   init = Glorot draws; a "solution" U = init + N(0, move²) per weight (move 0.15:
 *             trained-vs-init S ≈ 0.35, trained-vs-fresh ≈ 0.5, as measured). Training noise e =
 *             N(0, noise²/2) per weight, so CNN1 ↔ its rerun (U + e vs U + e') has the noise floor.
 *             model-1 CNN1 = U + e1, rerun = U + e2, CNN2 = perm(U + λ(U' − U)) + e3 with U' an
 *             independent solution from CNN2's own init. λ = 0: CNN2 learns CNN1's filters up to
 *             training noise (claim 2 false, d_s symmetric around 0 by exchangeability); λ > 0: a
 *             different solution. model-2 the same with λ₂ (claim 3 (b) false when λ₂ = λ).
 *   accuracy  model-1 pipeline N(0.926, 0.006²); model-2 = model-1 + N(δ₁, 0.012²) when it learns,
 *             N(0.095, 0.005²) when it stalls (probability stall); CNN digit accuracy N(0.962, 0.004²).
 *   claim 4   relabelled digit accuracy: model-1's CNNs N(0.96, 0.004²), model-2's N(0.96 − Δ₄, 0.03²).
 *   special   'near-identical': CNN2 = perm(CNN1) + N(0, 0.02²) (issue #7's study that the old rule
 *             called SUPPORTED); 'barely-moved': move = 0.035 (filters barely left init: trained vs
 *             init ≈ 0.10 against ≈ 0.34 for random filters, the 1-epoch study).
 *   nuisance  (issue #17: what a claim is not about must not decide it)
 *             scale2: model-2's trained filters × c, c ~ U(lo, hi) per seed (the main job's model-2
 *               filters are ≈ 0.74× as long as model-1's; a ReLU network absorbs any positive factor).
 *             a stalled model-2 (probability stall) keeps filters that barely left their initial
 *               draws: init + N(0, REAL.stalledMove²) (the main job's stalled seed 3: 0.08 from init).
 *             sharedInit: model-2's CNNk starts from model-1's CNNk init (config train.sharedInit =
 *               true; claim 3 part (a) tested). Its solution then shares model-1's gain·init, so the
 *               same-seed model-1 is closer than another seed's: part (a) true. forgetInit: model-2's
 *               solution grows from a fresh draw instead (training forgot the shared start): (a) false.
 */
import { makeRng, type Rng } from '../rng.ts';
import { glorotFilters } from './baselines.ts';
import type { FilterSet, MetricRow, ModelName, NetworkName, StudyData } from './types.ts';
import { analyzeStudy, type AnalyzeOptions } from './verdicts.ts';
import { lookOutcome, type SequentialDesign } from './sequential.ts';
import { withoutSeeds } from './standard.ts';

/** Magnitudes measured on real studies (quick preset, 6 seeds, wasm; see src/stats/README.md). */
export const REAL = {
  // gain, move: trained vs own init 0.33, vs fresh Glorot 0.47, nearest other filter 0.52
  // (measured: 0.345, 0.50, 0.49); the real filters grow in norm during training.
  gain: 1.4,
  move: 0.1,
  /** sd per weight of training noise: CNN1 vs its rerun from the same init S ≈ 0.116 (measured 0.114, 0.128). */
  noise: 0.04,
  model1Acc: { mean: 0.926, sd: 0.006 },
  stalledAcc: { mean: 0.095, sd: 0.005 },
  cnnAcc: { mean: 0.962, sd: 0.004 },
  /** sd per weight of a stalled model-2's move from its init: S(trained vs init) ≈ 0.08 (issue #17, seed 3: 0.08). */
  stalledMove: 0.027,
  /** model-2's filter length / model-1's in the main job: 0.50–0.65 against 0.81–0.84 per seed (≈ 0.74×). */
  model2Scale: [0.6, 0.8] as [number, number],
} as const;

export interface SimParams {
  /** model-1 CNN2's distance from CNN1's solution (0 = same filters up to noise, claim 2 false). */
  lambda1: number;
  /** model-2's CNN2 from its CNN1's solution (= lambda1: claim 3 (b) false). */
  lambda2: number;
  /** model-2 − model-1 accuracy when model-2 learns (0: claim 1 false). */
  delta1: number;
  sdDelta1: number;
  /** Probability that model-2 stalls on the plateau. */
  stall: number;
  /** Relabelled digit accuracy deficit of model-2's CNNs (0: claim 4 false). */
  delta4: number;
  /** Training scales the initial weights by this and adds N(0, move²) per weight. */
  gain: number;
  move: number;
  noise: number;
  /** CNN2 = perm(CNN1) + N(0, nearIdentical²) instead of the model above (issue #7's study). */
  nearIdentical: number | null;
  noiseFloor: boolean;
  /** model-2's trained filters × c, c ~ U(lo, hi) per seed; null: unscaled. */
  scale2: [number, number] | null;
  /** model-2's CNNs start from model-1's initial weights (config train.sharedInit). */
  sharedInit: boolean;
  /** With sharedInit: model-2's solution grows from a fresh draw, not from the shared init (part (a) false). */
  forgetInit: boolean;
}

/** Scenarios: which claims are true. "True" effects are moderate (see README for power). */
export const SCENARIOS: Record<string, Partial<SimParams> & { truth: [boolean, boolean, boolean, boolean]; label: string }> = {
  'all-true': { truth: [true, true, true, true], label: 'every claim true' },
  'null-1-3': { truth: [false, true, false, true], label: 'claims 1 and 3 false, 2 and 4 true', delta1: 0, lambda2: 0.5 },
  // Claim 3 (b) true needs model-1's pair further apart than model-2's, which claim 2 false (model-1's
  // pair at the noise floor) rules out: claims 2 and 3 are false together here.
  'null-2-3-4': { truth: [true, false, false, false], label: 'claims 2, 3 and 4 false, 1 true', lambda1: 0, lambda2: 0, delta4: 0 },
  // Stalls make claim 1 false in the all-seeds mean (5/6 · 0.02 − 1/6 · 0.83 ≈ −0.12) while the seeds
  // that learn favour model-2. Claim 1 is decided on the seeds trained to the standard (issue #17's
  // one seed rule), where it is true; the all-seeds answer is shown beside it.
  'stalls': { truth: [true, true, true, true], label: 'model-2 stalls with probability 1/6 (claim 1 true on the seeds trained to the standard, which decide it; false in the all-seeds mean), 2–4 true', stall: 1 / 6 },
  'near-identical': { truth: [true, false, false, true], label: 'CNN2 = CNN1 permuted + N(0, 0.02²): claim 2 false', nearIdentical: 0.02, lambda2: 0.5 },
  'barely-moved': { truth: [true, false, false, true], label: 'filters barely left their initialisation: claim 2 undecidable', gain: 1, move: 0.035, noise: 0.015, lambda1: 1, lambda2: 1 },
  // Issue #17's nuisance: each would make a false claim 3 look true on the raw S yardstick.
  'small-model2': { truth: [true, true, false, true], label: "model-2's filters 0.6–0.8× as long as model-1's, same arrangement: claim 3 false", lambda2: 0.5, scale2: REAL.model2Scale },
  // Stall rate 1/3 so that most 6-seed studies contain a stall (1 − (2/3)⁶ = 0.91); claim 1 as in
  // 'stalls' (true on the seeds trained to the standard, false in the all-seeds mean). λ = 1 (each model's CNN2 an unrelated solution, as in the main job, where model-1's
  // pair is 0.76 of the way to unrelated): a stalled pair, two draws at init size, is then closer on
  // raw S than a trained pair, which pulls a false claim 3 towards "supported".
  'stalled-seeds': { truth: [true, true, false, true], label: 'model-2 stalls with probability 1/3 (filters barely leave their init, accuracy ≈ 0.1), both pairs unrelated solutions: claim 3 false', lambda1: 1, lambda2: 1, stall: 1 / 3 },
  'shared-init': { truth: [true, true, true, true], label: 'train.sharedInit = true, both parts of claim 3 true', sharedInit: true },
  // Intersection–union: a false claim 3 with one part true is the hardest case for the rule.
  'shared-init-a-false': { truth: [true, true, false, true], label: "train.sharedInit = true, part (a) false (model-2's filters forget the shared init), (b) true", sharedInit: true, forgetInit: true },
  'shared-init-b-false': { truth: [true, true, false, true], label: "train.sharedInit = true, part (a) true, (b) false (model-2's pair as far apart as model-1's)", sharedInit: true, lambda2: 0.5 },
};

/** The scenarios of issue #17 (nuisance the verdicts must ignore): claim 3 false in all but 'shared-init'. */
export const NUISANCE_SCENARIOS = ['small-model2', 'stalled-seeds', 'shared-init', 'shared-init-a-false', 'shared-init-b-false'] as const;

const DEFAULTS: SimParams = {
  lambda1: 0.5, lambda2: 0.3, delta1: 0.02, sdDelta1: 0.012, stall: 0, delta4: 0.1, gain: REAL.gain, move: REAL.move, noise: REAL.noise, nearIdentical: null, noiseFloor: true,
  scale2: null, sharedInit: false, forgetInit: false,
};

const perturb = (rng: Rng, w: Float32Array[], sd: number): Float32Array[] => w.map((f) => f.map((v) => v + sd * rng.normal()));
const mix = (u: Float32Array[], v: Float32Array[], lambda: number): Float32Array[] => u.map((f, i) => f.map((x, t) => x + lambda * (v[i][t] - x)));
function permute(rng: Rng, w: Float32Array[]): Float32Array[] {
  const idx = w.map((_, i) => i);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.map((i) => Float32Array.from(w[i]));
}

export function simulateStudy(scenario: Partial<SimParams>, nSeeds: number, rngSeed: number, K = 3, F = 16): StudyData {
  const p = { ...DEFAULTS, ...scenario };
  const rng = makeRng(rngSeed, 'simulate-study');
  const filters: FilterSet[] = [];
  const metrics: MetricRow[] = [];
  const e = p.noise / Math.SQRT2;
  for (let seed = 1; seed <= nSeeds; seed++) {
    const inits = Array.from({ length: 4 }, () => glorotFilters(K, F, rng));
    const sol = (init: Float32Array[]): Float32Array[] => perturb(rng, init.map((f) => f.map((v) => p.gain * v)), p.move);
    const pair = (i1: Float32Array[], i2: Float32Array[], lambda: number, near: number | null): { a: Float32Array[]; b: Float32Array[]; u: Float32Array[] } => {
      const u = sol(i1);
      const a = perturb(rng, u, e);
      const b = near !== null ? perturb(rng, permute(rng, a), near) : perturb(rng, permute(rng, mix(u, sol(i2), lambda)), e);
      return { a, b, u };
    };
    // Draws are taken only when a nuisance is on, so the other scenarios keep their random streams.
    const init2 = p.sharedInit ? [inits[0], inits[1]] : [inits[2], inits[3]];
    const grow2 = p.sharedInit && p.forgetInit ? [glorotFilters(K, F, rng), glorotFilters(K, F, rng)] : init2;
    const m1 = pair(inits[0], inits[1], p.lambda1, p.nearIdentical);
    const m2 = pair(grow2[0], grow2[1], p.lambda2, null);
    let m2a = m2.a;
    let m2b = m2.b;
    if (p.scale2) {
      const c = p.scale2[0] + (p.scale2[1] - p.scale2[0]) * rng.next();
      [m2a, m2b] = [m2a, m2b].map((w) => w.map((f) => f.map((v) => c * v)));
    }
    const zero = new Float32Array(F);
    const rerun = p.noiseFloor ? perturb(rng, m1.u, e) : null;
    const row = (model: string, network: string, target: string, accuracy: number, met: boolean | null = true): MetricRow => ({
      seed, model, network, split: 'test', target, accuracy, loss: 1 - accuracy, n: 10000, trainSeconds: 1, backend: 'simulated', epochsRun: 8, bestEpoch: 7, stopReason: 'plateau', metStopRule: met,
    });
    const acc1 = REAL.model1Acc.mean + REAL.model1Acc.sd * rng.normal();
    const stalled = rng.next() < p.stall;
    const acc2 = stalled ? REAL.stalledAcc.mean + REAL.stalledAcc.sd * rng.normal() : acc1 + p.delta1 + p.sdDelta1 * rng.normal();
    // A model-2 that stalls did not train its filters either: they stay near their initial draws.
    if (stalled) [m2a, m2b] = [perturb(rng, init2[0], REAL.stalledMove), perturb(rng, init2[1], REAL.stalledMove)];
    const sets: [ModelName, NetworkName, Float32Array[], Float32Array[]][] = [
      ['model1', 'cnn1', m1.a, inits[0]], ['model1', 'cnn2', m1.b, inits[1]], ['model2', 'cnn1', m2a, init2[0]], ['model2', 'cnn2', m2b, init2[1]],
    ];
    for (const [model, network, w, init] of sets) {
      filters.push({ seed, model, network, stage: 'trained', weights: w, bias: zero }, { seed, model, network, stage: 'init', weights: init, bias: zero });
    }
    if (rerun) filters.push({ seed, model: 'model1', network: 'cnn1_rerun', stage: 'trained', weights: rerun, bias: zero });
    metrics.push(row('model1', 'pipeline', 'third', acc1), row('model2', 'pipeline', 'third', acc2));
    for (const network of ['cnn1', 'cnn2']) {
      metrics.push(
        row('model1', network, 'digit', REAL.cnnAcc.mean + REAL.cnnAcc.sd * rng.normal()),
        row('model1', network, 'digit_relabelled', 0.96 + 0.004 * rng.normal()),
        row('model2', network, 'digit_relabelled', 0.96 - p.delta4 + 0.03 * rng.normal(), null),
        row('model1', network, 'digit_probe', 0.97 + 0.003 * rng.normal()),
        row('model2', network, 'digit_probe', 0.96 + 0.005 * rng.normal(), null),
      );
    }
  }
  const seeds = Array.from({ length: nSeeds }, (_, i) => i + 1);
  return { sources: ['simulated'], configHash: 'simulated', config: { simulated: p, train: { sharedInit: p.sharedInit, noiseFloor: p.noiseFloor } }, kernelSize: K, numFilters: F, seeds, filters, metrics, similarity: [] };
}

export interface CalibrationCounts {
  scenario: string;
  nSeeds: number;
  replicates: number;
  /** Per claim (index 0 = claim 1): how many replicate studies gave each verdict. */
  supported: number[];
  notSupported: number[];
  inconclusive: number[];
}

/** Runs `replicates` whole studies of a scenario through analyzeStudy and counts the verdicts. */
export function calibrate(scenario: string, nSeeds: number, replicates: number, opts: AnalyzeOptions = {}, firstSeed = 0): CalibrationCounts {
  const sc = SCENARIOS[scenario];
  const out: CalibrationCounts = { scenario, nSeeds, replicates, supported: [0, 0, 0, 0], notSupported: [0, 0, 0, 0], inconclusive: [0, 0, 0, 0] };
  for (let r = 0; r < replicates; r++) {
    const st = analyzeStudy(simulateStudy(sc, nSeeds, firstSeed + r), { reps: 400, freshDraws: 5, ...opts, descriptive: false, bootstrapSeed: firstSeed + r });
    st.claims.forEach((c, i) => {
      if (c.verdict === 'supported') out.supported[i]++;
      else if (c.verdict === 'not supported') out.notSupported[i]++;
      else out.inconclusive[i]++;
    });
  }
  return out;
}

export interface SequentialCounts {
  scenario: string;
  replicates: number;
  looks: number[];
  /** Studies with a false SUPPORTED at any look taken: some false claim of 1–3 (the paper's family), claim 4. */
  falseFamily: number;
  falseClaim4: number;
  /** Per claim (index 0 = claim 1): studies with SUPPORTED at any look taken. */
  supportedAnyLook: number[];
  /** Per claim: the verdicts where the study stopped. */
  supported: number[];
  notSupported: number[];
  /** Studies that stopped at each look (index k − 1 for look k), and how many of them stopped decided. */
  stoppedAt: number[];
  decided: number;
  /** Sum over studies of the seeds trained when it stopped (mean = seedsTrained / replicates). */
  seedsTrained: number;
  /** Per study, in order: the look it stopped at, and whether a false claim of 1–3 was SUPPORTED at some look. */
  stops: number[];
  falseFamilyAt: boolean[];
}

/**
 * The sequential procedure of `run --until-decided` on `replicates` simulated studies of a
 * scenario: each study is simulated at the last look's seeds; look k analyses its first
 * design.looks[k − 1] seeds at α/K (and the claims' CIs at 1 − 2α/K), exactly as aggregate does at
 * a look, and the study stops where lookOutcome says. A false SUPPORTED counts if it occurs at
 * ANY look taken, also one the study later left.
 */
export function calibrateSequential(scenario: string, replicates: number, design: SequentialDesign, opts: AnalyzeOptions = {}, firstSeed = 0): SequentialCounts {
  const sc = SCENARIOS[scenario];
  const K = design.looks.length;
  const out: SequentialCounts = {
    scenario, replicates, looks: design.looks, falseFamily: 0, falseClaim4: 0, supportedAnyLook: [0, 0, 0, 0], supported: [0, 0, 0, 0], notSupported: [0, 0, 0, 0], stoppedAt: design.looks.map(() => 0), decided: 0, seedsTrained: 0, stops: [], falseFamilyAt: [],
  };
  for (let r = 0; r < replicates; r++) {
    const full = simulateStudy(sc, design.looks[K - 1], firstSeed + r);
    const ever = [false, false, false, false];
    for (let k = 1; k <= K; k++) {
      const n = design.looks[k - 1];
      const data = withoutSeeds(full, full.seeds.filter((s) => s > n));
      const st = analyzeStudy(data, { reps: 400, freshDraws: 5, ...opts, alpha: design.alphaPerLook, decisionLevel: design.level, descriptive: false, bootstrapSeed: firstSeed + r });
      st.claims.forEach((c, i) => { if (c.verdict === 'supported') ever[i] = true; });
      const outcome = lookOutcome(design, k, true, st.claims);
      if (outcome === 'continue') continue;
      st.claims.forEach((c, i) => { if (c.verdict === 'supported') out.supported[i]++; else if (c.verdict === 'not supported') out.notSupported[i]++; });
      out.stoppedAt[k - 1]++;
      if (outcome === 'decided') out.decided++;
      out.seedsTrained += n;
      out.stops.push(k);
      break;
    }
    ever.forEach((e, i) => { if (e) out.supportedAnyLook[i]++; });
    const falseFamily = [0, 1, 2].some((i) => ever[i] && !sc.truth[i]);
    out.falseFamilyAt.push(falseFamily);
    if (falseFamily) out.falseFamily++;
    if (ever[3] && !sc.truth[3]) out.falseClaim4++;
  }
  return out;
}
