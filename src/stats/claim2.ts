/**
 * Claim 2 (equally accurate CNNs learn different filters) against the noise floor, and its
 * premises.
 *
 * Null: the filters are determined by the data up to training noise. The noise floor measures
 * that noise directly: model-1's CNN1 retrained from the same initial weights with another data
 * order and dropout draws (stage 'rerun', train.noiseFloor). Per seed,
 *   d_s = mean S(model-1 CNN1 ↔ CNN2, both directions) − mean S(CNN1 ↔ its rerun, both directions)
 * and the claim holds when d > 0. The effect is shown on a scale where 0 = the noise floor and
 * 1 = unrelated random filters (fresh Glorot draws):
 *   effect = (S̄_12 − S̄_nf) / (S̄_fresh − S̄_nf)   (grand means; hierarchical bootstrap CI).
 *
 * Premise "the filters were learned": filters that barely left their initialisation differ only
 * because their initial draws differ, and a rerun from the same draws is close by construction,
 * so d > 0 would say nothing about learning. Claim 2 is decided only when mean S(trained vs own
 * init) ≥ movedFraction × mean S(trained vs fresh Glorot) for model-1's CNNs; else inconclusive.
 */
import { hierarchicalBootstrap } from './bootstrap.ts';
import { trainedVsFreshGlorot, trainedVsInit } from './baselines.ts';
import { NO_CI, pairedPart, type PartResult } from './claim-parts.ts';
import { mean } from './distances.ts';
import { fin, sGroups, type FilterIndex, type SummaryOptions } from './summaries.ts';

/** Premise threshold. Measured ratios (6 seeds, wasm): quick preset 3 epochs 0.69; the same with
 *  1 epoch (CNNs at 0.943) 0.53; issue #7's 1-epoch study whose filters barely moved ≈ 0.29 (0.10
 *  against 0.34). 0.5 separates the last from trained filters; it is a judgment, not a derived value. */
export const MOVED_FRACTION = 0.5;

export const concatSeeds = (a: Float64Array[], b: Float64Array[]): Float64Array[] =>
  a.map((x, s) => {
    const out = new Float64Array(x.length + b[s].length);
    out.set(x);
    out.set(b[s], x.length);
    return out;
  });

export interface Claim2Result {
  part: PartResult;
  seeds: number[]; // seeds with a noise floor (the seeds tested)
  testable: boolean;
  moved: boolean | null; // the premise; null when it could not be computed
  numbers: Record<string, number | null | boolean>;
  notes: string[];
  /** Per seed (all complete seeds), model-1 CNN1↔CNN2 S, both directions: shared with claim 3. */
  within: Float64Array[];
}

export function claim2(idx: FilterIndex, seeds: number[], kernelSize: number, o: SummaryOptions & { freshDraws: number; movedFraction: number; signFlip: boolean }): Claim2Result {
  const within = concatSeeds(sGroups(idx, seeds, 'model1.cnn1', 'model1.cnn2'), sGroups(idx, seeds, 'model1.cnn2', 'model1.cnn1'));
  const nfSeeds = seeds.filter((s) => idx.get(s, 'model1.cnn1', 'rerun'));
  const at = (s: number): number => seeds.indexOf(s);
  const notes: string[] = [];
  // Same draws as baselines.trainedVsFreshGlorot (same seed and stream), per filter.
  const freshOf = (key: string, ss: number[]): Float64Array[] =>
    ss.map((s) => trainedVsFreshGlorot(idx.get(s, key)!.weights, kernelSize, { draws: o.freshDraws, seed: s, stream: `stats-fresh-glorot:${key}` }));
  const fresh = concatSeeds(freshOf('model1.cnn1', nfSeeds), freshOf('model1.cnn2', nfSeeds));
  // Premise: did training move model-1's filters away from their initial draws?
  const initSeeds = nfSeeds.filter((s) => idx.get(s, 'model1.cnn1', 'init') && idx.get(s, 'model1.cnn2', 'init'));
  const movedBy = (s: number): number =>
    mean(['model1.cnn1', 'model1.cnn2'].map((k) => mean(trainedVsInit(idx.get(s, k)!.weights, idx.get(s, k, 'init')!.weights))));
  const movement = initSeeds.length ? mean(initSeeds.map(movedBy)) : NaN;
  const freshMean = fresh.length ? mean(fresh.map((g) => mean(g))) : NaN;
  const movedRatio = movement / freshMean;
  const moved = Number.isFinite(movedRatio) ? movedRatio >= o.movedFraction : null;

  const base = { meanSWithinModel1: fin(mean(within.map((g) => mean(g)))), movedRatio: fin(movedRatio), movedFraction: o.movedFraction, filtersMoved: moved };
  if (!nfSeeds.length) {
    notes.push('claim 2 cannot be tested: this study has no noise floor (train.noiseFloor = false), so nothing says how far two trainings of the same CNN land apart; run with `--set train.noiseFloor=true`');
    return { part: { p: null, estimate: NaN, ci: NO_CI(o.level), d: [], alt: 'greater', signFlipP: null }, seeds: [], testable: false, moved, numbers: { ...base, meanSNoiseFloor: null, meanSFreshGlorot: null, effectRaw: null }, notes, within };
  }
  if (nfSeeds.length < seeds.length) notes.push(`only ${nfSeeds.length} of ${seeds.length} seeds have a noise floor (rerun); claim 2 uses those`);
  const w = nfSeeds.map((s) => within[at(s)]);
  const nf = nfSeeds.map((s) => {
    const a = idx.get(s, 'model1.cnn1')!.weights;
    const r = idx.get(s, 'model1.cnn1', 'rerun')!.weights;
    return concatSeeds([trainedVsInit(a, r)], [trainedVsInit(r, a)])[0];
  });
  const boot = hierarchicalBootstrap([w, nf, fresh], (m) => (m[0] - m[1]) / (m[2] - m[1]), { reps: o.reps, seed: o.bootstrapSeed, level: o.level });
  const d = nfSeeds.map((_, i) => mean(w[i]) - mean(nf[i]));
  const part = pairedPart(d, 'greater', boot.estimate, boot.ci, o.signFlip);
  const sNf = mean(nf.map((g) => mean(g)));
  if (moved === false) {
    notes.push(`not decided: model-1's filters barely left their initialisation (mean S trained vs own init is ${movedRatio.toFixed(2)} of the distance to unrelated random filters, below ${o.movedFraction}); their CNN1↔CNN2 distance is inherited from the initial draws, not learned`);
  }
  return {
    part,
    seeds: nfSeeds,
    testable: true,
    moved,
    numbers: { ...base, meanSWithinModel1: fin(mean(w.map((g) => mean(g)))), meanSNoiseFloor: fin(sNf), meanSFreshGlorot: fin(mean(fresh.map((g) => mean(g)))), effectRaw: fin(mean(d)) },
    notes,
    within,
  };
}
