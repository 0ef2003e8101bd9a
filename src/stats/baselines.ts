/**
 * Calibration for S_i: what values of S mean "the same" and "unrelated".
 *
 * - trained vs own init:      how far training moved the filters (scale of learning)
 * - trained vs fresh Glorot:  S against a random set from the same initialiser = "unrelated
 *                             filters of initial scale" (averaged over several draws)
 * - nearest other filter:     spacing of filters inside one CNN (S cannot be read as
 *                             "different" if it is no larger than the CNN's own spacing)
 * - same role across seeds:   model-1 CNN1 of seed a vs seed b, all pairs a<b: two independent
 *                             trainings of the same task — the natural "not the same" scale
 */
import { makeRng, type Rng } from '../rng.ts';
import { filterSimilarity, mean, nearestOther, type DistanceVariant } from './distances.ts';
import type { FilterInput } from './types.ts';

/** Keras glorot_uniform limit for a K×K×1×F conv kernel: sqrt(6 / (fanIn + fanOut)). */
export function glorotLimit(kernelSize: number, filters: number, inChannels = 1): number {
  const k2 = kernelSize * kernelSize;
  return Math.sqrt(6 / (k2 * inChannels + k2 * filters));
}

/** F fresh filters of K·K weights, i.i.d. U(−limit, limit) (same draw as ml/models.ts). */
export function glorotFilters(kernelSize: number, filters: number, rng: Rng): Float32Array[] {
  const limit = glorotLimit(kernelSize, filters);
  const d = kernelSize * kernelSize;
  return Array.from({ length: filters }, () => Float32Array.from({ length: d }, () => (2 * rng.next() - 1) * limit));
}

/** S_i of trained filters vs their own initial filters. */
export function trainedVsInit(trained: FilterInput, init: FilterInput, variant: DistanceVariant = 'raw'): Float64Array {
  return filterSimilarity(trained, init, variant).s;
}

/**
 * S_i of trained filters vs fresh Glorot draws, averaged per filter over `draws` sets.
 * Seeded by (seed, stream) so it is reproducible and independent of the training streams.
 */
export function trainedVsFreshGlorot(
  trained: FilterInput,
  kernelSize: number,
  opts: { draws?: number; seed?: number; stream?: string; variant?: DistanceVariant } = {},
): Float64Array {
  const draws = opts.draws ?? 20;
  const rng = makeRng(opts.seed ?? 0, opts.stream ?? 'stats-fresh-glorot');
  const f = Array.isArray(trained) ? trained.length : (trained as { rows: number }).rows;
  const acc = new Float64Array(f);
  for (let r = 0; r < draws; r++) {
    const s = filterSimilarity(trained, glorotFilters(kernelSize, f, rng), opts.variant ?? 'raw').s;
    for (let i = 0; i < f; i++) acc[i] += s[i] / draws;
  }
  return acc;
}

/** Each filter's distance to the nearest other filter of the same CNN. */
export function withinCnnNearest(set: FilterInput, variant: DistanceVariant = 'raw'): Float64Array {
  return nearestOther(set, variant).s;
}

/**
 * Same role across seeds: for all seed pairs a<b, mean S in both directions (a→b and b→a are
 * both reported pooled as their average, since neither seed is the reference).
 */
export function crossSeed(
  sets: Map<number, FilterInput>,
  variant: DistanceVariant = 'raw',
): { pairs: { a: number; b: number; s: number; ab: number; ba: number }[]; mean: number } {
  const seeds = [...sets.keys()].sort((x, y) => x - y);
  const pairs: { a: number; b: number; s: number; ab: number; ba: number }[] = [];
  for (let i = 0; i < seeds.length; i++) {
    for (let j = i + 1; j < seeds.length; j++) {
      const A = sets.get(seeds[i])!;
      const B = sets.get(seeds[j])!;
      const ab = filterSimilarity(A, B, variant).meanS;
      const ba = filterSimilarity(B, A, variant).meanS;
      pairs.push({ a: seeds[i], b: seeds[j], s: (ab + ba) / 2, ab, ba });
    }
  }
  return { pairs, mean: pairs.length ? mean(pairs.map((p) => p.s)) : NaN };
}
