/**
 * Claim 2 (equally accurate CNNs learn different filters) against the noise floor, and its
 * premises.
 *
 * Null: the filters are determined by the data up to training noise. The noise floor measures
 * that noise directly: model-1's CNN1 retrained from the same initial weights with another data
 * order and dropout draws (network 'cnn1_rerun', train.noiseFloor). Per seed,
 *   d_s = mean S(model-1 CNN1 ↔ CNN2, both directions) − mean S(CNN1 ↔ its rerun, both directions)
 * and the claim holds when d > 0. The effect is shown on a scale where 0 = the noise floor and
 * 1 = unrelated random filters:
 *   effect = (S̄_12 − S̄_nf) / (S̄_unrelated − S̄_nf)   (grand means; paired hierarchical bootstrap CI).
 * Every S is on one yardstick (yardsticks.ts; decided on 'unit'), and S̄_unrelated is that
 * yardstick's distance between independent random filter sets: it depends on no trained network.
 *
 * Premise "the filters were learned": filters that barely left their initialisation differ only
 * because their initial draws differ, and a rerun from the same draws is close by construction,
 * so d > 0 would say nothing about learning. Claim 2 is decided only when, for EACH of model-1's
 * CNNs, mean S(trained vs own init) ≥ movedFraction × S̄_unrelated (same yardstick); else
 * inconclusive. A CNN that never trained (trained = init) scores 0.
 */
import { hierarchicalBootstrap } from './bootstrap.ts';
import { NO_CI, pairedPart, type PartResult } from './claim-parts.ts';
import { mean } from './distances.ts';
import { fin, type FilterIndex, type SummaryOptions } from './summaries.ts';
import { unrelatedS, yardstickS, type Yardstick } from './yardsticks.ts';

/** Premise threshold. Measured ratios on raw S (6 seeds, wasm): quick preset 3 epochs 0.69; the
 *  same with 1 epoch (CNNs at 0.943) 0.53; issue #7's 1-epoch study whose filters barely moved ≈
 *  0.29 (0.10 against 0.34). 0.5 separates the last from trained filters; it is a judgment, not a
 *  derived value. */
export const MOVED_FRACTION = 0.5;

export const concatSeeds = (a: Float64Array[], b: Float64Array[]): Float64Array[] =>
  a.map((x, s) => {
    const out = new Float64Array(x.length + b[s].length);
    out.set(x);
    out.set(b[s], x.length);
    return out;
  });

/** Per seed, S of ref → other and other → ref on a yardstick, concatenated ([2F] per seed). */
export const bothWays = (idx: FilterIndex, seeds: number[], a: string, b: string, y: Yardstick, stageB = 'trained'): Float64Array[] =>
  seeds.map((s) => {
    const A = idx.get(s, a)!.weights;
    const B = idx.get(s, b, stageB)!.weights;
    return concatSeeds([yardstickS(A, B, y)], [yardstickS(B, A, y)])[0];
  });

export interface Claim2Result {
  part: PartResult;
  seeds: number[]; // seeds with a noise floor (the seeds tested)
  testable: boolean;
  moved: boolean | null; // the premise; null when it could not be computed
  numbers: Record<string, number | null | boolean | string>;
  notes: string[];
}

export interface Claim2Options extends SummaryOptions {
  freshDraws: number;
  movedFraction: number;
  signFlip: boolean;
  /** The yardstick every S of the claim is measured on (default 'raw', the paper's). */
  yardstick?: Yardstick;
  numFilters?: number; // F (default: the study's first filter set's)
  /** Whether any seed of the whole study has the noise floor (default: any of `seeds`): with a
   *  noise floor in the study but no seed in this set, claim 2 is testable and has too few seeds. */
  studyHasNoiseFloor?: boolean;
}

export function claim2(idx: FilterIndex, seeds: number[], kernelSize: number, o: Claim2Options): Claim2Result {
  const y = o.yardstick ?? 'raw';
  const nfSeeds = seeds.filter((s) => idx.get(s, 'model1.cnn1_rerun'));
  const notes: string[] = [];
  const F = o.numFilters ?? (seeds.length ? idx.get(seeds[0], 'model1.cnn1')!.weights.length : 0);
  // The unrelated end: independent random sets on the same yardstick, 2F slots per seed (both
  // directions), drawn from (seed, stream) and no trained filter.
  const unrelated = nfSeeds.map((s) => {
    const u = (dir: string): Float64Array => unrelatedS(F, F, kernelSize, y, { draws: o.freshDraws, seed: s, stream: `stats-unrelated:${dir}` });
    return concatSeeds([u('cnn1')], [u('cnn2')])[0];
  });
  const unrelatedMean = unrelated.length ? mean(unrelated.map((g) => mean(g))) : NaN;
  // Premise: did training move EACH of model-1's CNNs away from its initial draws?
  const initSeeds = nfSeeds.filter((s) => idx.get(s, 'model1.cnn1', 'init') && idx.get(s, 'model1.cnn2', 'init'));
  const movedOf = (k: string): number => mean(initSeeds.map((s) => mean(yardstickS(idx.get(s, k)!.weights, idx.get(s, k, 'init')!.weights, y))));
  const movement = initSeeds.length ? Math.min(movedOf('model1.cnn1'), movedOf('model1.cnn2')) : NaN;
  const movedRatio = movement / unrelatedMean;
  const moved = Number.isFinite(movedRatio) ? movedRatio >= o.movedFraction : null;

  const withinAll = bothWays(idx, seeds, 'model1.cnn1', 'model1.cnn2', y);
  const base = { yardstick: y, meanSWithinModel1: fin(mean(withinAll.map((g) => mean(g)))), movedRatio: fin(movedRatio), movedFraction: o.movedFraction, filtersMoved: moved };
  const noPart: PartResult = { p: null, estimate: NaN, ci: NO_CI(o.level), d: [], alt: 'greater', signFlipP: null };
  if (!nfSeeds.length && (o.studyHasNoiseFloor ?? false)) {
    return { part: noPart, seeds: [], testable: true, moved, numbers: { ...base, meanSNoiseFloor: null, meanSUnrelated: null, meanDifference: null }, notes };
  }
  if (!nfSeeds.length) {
    notes.push('claim 2 cannot be tested: this study has no noise floor (train.noiseFloor = false), so nothing says how far two trainings of the same CNN land apart; run with `--set train.noiseFloor=true`');
    return { part: noPart, seeds: [], testable: false, moved, numbers: { ...base, meanSNoiseFloor: null, meanSUnrelated: null, meanDifference: null }, notes };
  }
  if (nfSeeds.length < seeds.length) notes.push(`only ${nfSeeds.length} of ${seeds.length} seeds have a noise floor (rerun); claim 2 uses those`);
  const w = nfSeeds.map((s) => withinAll[seeds.indexOf(s)]);
  const nf = bothWays(idx, nfSeeds, 'model1.cnn1', 'model1.cnn1_rerun', y);
  const boot = hierarchicalBootstrap([w, nf, unrelated], (m) => (m[0] - m[1]) / (m[2] - m[1]), { reps: o.reps, seed: o.bootstrapSeed, level: o.level, paired: true });
  const d = nfSeeds.map((_, i) => mean(w[i]) - mean(nf[i]));
  const part = pairedPart(d, 'greater', boot.estimate, boot.ci, o.signFlip);
  if (moved === false) {
    notes.push(`not decided: model-1's filters barely left their initialisation (the less-moved CNN's mean S trained vs own init is ${movedRatio.toFixed(2)} of the distance between unrelated random filters, below ${o.movedFraction}); their CNN1↔CNN2 distance is inherited from the initial draws, not learned`);
  }
  return {
    part,
    seeds: nfSeeds,
    testable: true,
    moved,
    numbers: { ...base, meanSWithinModel1: fin(mean(w.map((g) => mean(g)))), meanSNoiseFloor: fin(mean(nf.map((g) => mean(g)))), meanSUnrelated: fin(unrelatedMean), meanDifference: fin(mean(d)) },
    notes,
  };
}
