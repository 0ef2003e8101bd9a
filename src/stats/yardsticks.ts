/**
 * Yardsticks: the per-filter distance a filter claim (2 and 3) is measured on, and the
 * "unrelated filters" end of claim 2's scale on each (src/stats/README.md, "Yardsticks").
 *
 *   raw            S_i = min_j ‖F_i − G_j‖ (the paper's measure): grows with the filters' length
 *   unit           min_j ‖F_i/‖F_i‖ − G_j/‖G_j‖‖ = √(2 − 2cos): unchanged when any network's
 *                  filters are multiplied by a positive constant — the DECISION yardstick
 *   signflip       min_j min(‖F_i − G_j‖, ‖F_i + G_j‖)
 *   unit-signflip  √(2 − 2|cos|): scale- and sign-free
 *   matched        one-to-one Hungarian assignment on raw distances, the matched cost of F_i
 *
 * Each returns one value per reference filter (shape [F_ref]), so the claims' groups line up
 * filter by filter and the paired bootstrap can resample them jointly.
 */
import { makeRng, type Rng } from '../rng.ts';
import { glorotFilters } from './baselines.ts';
import { filterSimilarity, matchedDistance } from './distances.ts';
import type { FilterInput, Yardstick } from './types.ts';

export type { Yardstick } from './types.ts';
export const YARDSTICKS: Yardstick[] = ['raw', 'unit', 'signflip', 'unit-signflip', 'matched'];

/** Claims 2 and 3 are decided on the unit distance: a conv filter followed by ReLU can be
 *  multiplied by any c > 0 and the next layer absorbs 1/c, so "do two networks learn the same
 *  filters" is a question about directions; raw S also measures length (model-2's filters are
 *  shorter than model-1's, issue 17). Sign is kept: after ReLU, F and −F detect opposite edges. */
export const DECISION_YARDSTICK: Yardstick = 'unit';

export const isScaleFree = (y: Yardstick): boolean => y === 'unit' || y === 'unit-signflip';

/** Per reference filter: its distance to `other` on the yardstick ([F_ref]). */
export function yardstickS(ref: FilterInput, other: FilterInput, y: Yardstick): Float64Array {
  if (y === 'matched') return matchedDistance(ref, other, 'raw').costs; // rows ≤ cols in every use
  return filterSimilarity(ref, other, y).s;
}

/** f filters of K·K weights with isotropic directions (i.i.d. N(0, 1) weights). */
function isotropicFilters(kernelSize: number, f: number, rng: Rng): Float32Array[] {
  const d = kernelSize * kernelSize;
  return Array.from({ length: f }, () => Float32Array.from({ length: d }, () => rng.normal()));
}

/**
 * The "unrelated filters" end of claim 2's scale on yardstick y, for `refFilters` reference slots
 * against sets of `numFilters` filters: per slot, the mean over `draws` of its distance to an
 * independent random set, where the reference is itself a fresh random filter. It depends on no
 * trained network, so replacing the CNN under test by random filters cannot move it.
 * Scale-free yardsticks: isotropic directions in R^{K²} (by rotation invariance the expected
 * distance from any unit filter to F random directions is one number). Others: Glorot-uniform
 * filters at initial size on both sides. refFilters ≤ numFilters (the matched yardstick needs it) (the paper's scale; a network whose filters grew lands
 * above 1 on it — one reason raw S does not decide).
 */
export function unrelatedS(refFilters: number, numFilters: number, kernelSize: number, y: Yardstick, o: { draws: number; seed: number; stream: string }): Float64Array {
  const rng = makeRng(o.seed, `${o.stream}:${y}`);
  const draw = (f: number): Float32Array[] => (isScaleFree(y) ? isotropicFilters(kernelSize, f, rng) : glorotFilters(kernelSize, f, rng));
  const acc = new Float64Array(refFilters);
  for (let r = 0; r < o.draws; r++) {
    const s = yardstickS(draw(refFilters), draw(numFilters), y);
    for (let i = 0; i < refFilters; i++) acc[i] += s[i] / o.draws;
  }
  return acc;
}
