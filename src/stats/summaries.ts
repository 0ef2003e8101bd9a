/**
 * Per-comparison and baseline summaries over seeds (the building blocks of analyzeStudy).
 * groups[s] = the F values (S_i) of seed s, in the order of the study's seeds.
 */
import { hierarchicalBootstrap } from './bootstrap.ts';
import { chamferDistance, filterSimilarity, matchedDistance, mean, median, sd, VARIANTS } from './distances.ts';
import { trainedVsFreshGlorot, trainedVsInit, withinCnnNearest } from './baselines.ts';
import type { BaselineStats, ComparisonStats, FilterSet, SSummary, StudyData } from './types.ts';

export interface SummaryOptions {
  reps: number;
  bootstrapSeed: number;
  level: number;
}

export const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function summarize(groups: ArrayLike<number>[], o: SummaryOptions): SSummary {
  const perSeed = groups.map((g) => mean(g));
  const pooled: number[] = [];
  for (const g of groups) for (let i = 0; i < g.length; i++) pooled.push(g[i]);
  const b = groups.length
    ? hierarchicalBootstrap([groups], undefined, { reps: o.reps, seed: o.bootstrapSeed, level: o.level })
    : { ci: { lo: null, hi: null, level: o.level, method: 'hierarchical-percentile' } };
  return { mean: mean(perSeed), median: median(pooled), sdSeeds: fin(sd(perSeed)), ci: b.ci, perSeed };
}

/** Look up one CNN's filter set. */
export class FilterIndex {
  private map = new Map<string, FilterSet>();
  constructor(sets: FilterSet[]) {
    for (const s of sets) this.map.set(`${s.seed}|${s.model}|${s.network}|${s.stage}`, s);
  }
  get(seed: number, key: string, stage = 'trained'): FilterSet | undefined {
    const [model, network] = key.split('.');
    return this.map.get(`${seed}|${model}|${network}|${stage}`);
  }
  /** Trained weights of 'model.cnnK', or of a whole model ('model1' = CNN1's then CNN2's filters). */
  weights(seed: number, key: string): Float32Array[] {
    if (key.includes('.')) return this.get(seed, key)!.weights;
    return [...this.get(seed, `${key}.cnn1`)!.weights, ...this.get(seed, `${key}.cnn2`)!.weights];
  }
}

export const NETWORKS = ['model1.cnn1', 'model1.cnn2', 'model2.cnn1', 'model2.cnn2'];

/** The comparisons reported (ref -> other, trained filters of the same seed). */
export const COMPARISONS: [string, string][] = [
  ['model1.cnn1', 'model1.cnn2'],
  ['model1.cnn2', 'model1.cnn1'],
  ['model2.cnn1', 'model2.cnn2'],
  ['model2.cnn2', 'model2.cnn1'],
  ['model2.cnn1', 'model1.cnn1'],
  ['model2.cnn2', 'model1.cnn2'],
  ['model2.cnn1', 'model1.cnn2'],
  ['model2.cnn2', 'model1.cnn1'],
  // "a counterpart in model-1": nearest among all 2F filters of model-1
  ['model2.cnn1', 'model1'],
  ['model2.cnn2', 'model1'],
];

export const cname = (ref: string, other: string): string => `${ref} -> ${other}`;

/** S_i per seed for one comparison and variant (raw S vectors; used by the claims too). */
export function sGroups(idx: FilterIndex, seeds: number[], ref: string, other: string, variant = 'raw' as (typeof VARIANTS)[number]): Float64Array[] {
  return seeds.map((s) => filterSimilarity(idx.weights(s, ref), idx.weights(s, other), variant).s);
}

export function comparisonStats(idx: FilterIndex, seeds: number[], ref: string, other: string, o: SummaryOptions): ComparisonStats {
  const variants: Record<string, SSummary> = {};
  for (const v of VARIANTS) variants[v] = summarize(sGroups(idx, seeds, ref, other, v), o);
  const matched: Float64Array[] = [];
  const coll: number[] = [];
  const cham: number[] = [];
  for (const s of seeds) {
    const a = idx.weights(s, ref);
    const b = idx.weights(s, other);
    matched.push(matchedDistance(a, b).costs);
    coll.push(filterSimilarity(a, b).collisions);
    cham.push(chamferDistance(a, b).chamfer);
  }
  return {
    comparison: cname(ref, other),
    seeds,
    variants,
    matched: summarize(matched, o),
    collisions: { perSeed: coll, mean: mean(coll) },
    chamfer: { perSeed: cham, mean: mean(cham) },
  };
}

/**
 * Cross-seed control for a ref -> other comparison: for seed s, S_i of ref(s) against other(b),
 * averaged over all b ≠ s (per filter i). Empty when there is only one seed.
 */
export function crossSeedGroups(idx: FilterIndex, seeds: number[], ref: string, other: string): Float64Array[] {
  if (seeds.length < 2) return [];
  return seeds.map((s) => {
    const a = idx.weights(s, ref);
    const acc = new Float64Array(a.length);
    for (const b of seeds) {
      if (b === s) continue;
      const r = filterSimilarity(a, idx.weights(b, other)).s;
      for (let i = 0; i < acc.length; i++) acc[i] += r[i] / (seeds.length - 1);
    }
    return acc;
  });
}

export function baselineStats(data: StudyData, idx: FilterIndex, seeds: number[], o: SummaryOptions & { freshDraws: number; glorotLimit: number }): BaselineStats {
  const out: BaselineStats = { trainedVsInit: {}, trainedVsFreshGlorot: {}, withinCnnNearest: {}, crossSeed: {}, glorotLimit: o.glorotLimit, freshDraws: o.freshDraws };
  for (const key of NETWORKS) {
    const withInit = seeds.filter((s) => idx.get(s, key, 'init'));
    if (withInit.length) out.trainedVsInit[key] = summarize(withInit.map((s) => trainedVsInit(idx.get(s, key)!.weights, idx.get(s, key, 'init')!.weights)), o);
    out.trainedVsFreshGlorot[key] = summarize(
      seeds.map((s) => trainedVsFreshGlorot(idx.get(s, key)!.weights, data.kernelSize, { draws: o.freshDraws, seed: s, stream: `stats-fresh-glorot:${key}` })),
      o,
    );
    out.withinCnnNearest[key] = summarize(seeds.map((s) => withinCnnNearest(idx.get(s, key)!.weights)), o);
    // Noise floor: the same CNN retrained from the same initial weights (only when the study ran it).
    const rerun = `${key}_rerun`; // model1.cnn1_rerun (io/schema.ts NetworkName)
    const withRerun = seeds.filter((s) => idx.get(s, rerun));
    if (withRerun.length) (out.noiseFloor ??= {})[key] = summarize(withRerun.map((s) => trainedVsInit(idx.get(s, key)!.weights, idx.get(s, rerun)!.weights)), o);
    const pairs: { a: number; b: number; s: number }[] = [];
    for (let i = 0; i < seeds.length; i++) {
      for (let j = i + 1; j < seeds.length; j++) {
        const A = idx.get(seeds[i], key)!.weights;
        const B = idx.get(seeds[j], key)!.weights;
        pairs.push({ a: seeds[i], b: seeds[j], s: (filterSimilarity(A, B).meanS + filterSimilarity(B, A).meanS) / 2 });
      }
    }
    const vals = pairs.map((p) => p.s);
    out.crossSeed[key] = { mean: vals.length ? mean(vals) : NaN, median: vals.length ? median(vals) : NaN, pairs };
  }
  return out;
}
