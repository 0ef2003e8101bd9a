/**
 * The per-seed comparisons of the paper's Figures 4 and 5, plus trained-vs-init, as S_i rows.
 *
 * Figure 4: CNN1 ↔ CNN2 inside model-1 and inside model-2, both directions.
 * Figure 5: the same CNN across model-1 ↔ model-2 (CNN1 with CNN1, CNN2 with CNN2), both directions.
 * Baseline: each trained CNN against its own initial filters (how far training moved them).
 * Noise floor (train.noiseFloor): model-1's CNN1 against its rerun from the same initial weights.
 */
import { filterSimilarity } from './distances.ts';

export type ModelName = 'model1' | 'model2';
export type NetworkName = 'cnn1' | 'cnn2' | 'cnn1_rerun';
export type Stage = 'init' | 'trained';
export interface FilterRef { model: ModelName; network: NetworkName; stage: Stage }

export const refName = (r: FilterRef): string => `${r.model}.${r.network}${r.stage === 'trained' ? '' : `@${r.stage}`}`;
export const comparisonName = (ref: FilterRef, other: FilterRef): string => `${refName(ref)} -> ${refName(other)}`;

const T = (model: ModelName, network: NetworkName, stage: Stage = 'trained'): FilterRef => ({ model, network, stage });

/** [reference, other] pairs in report order. */
export const COMPARISONS: [FilterRef, FilterRef][] = [
  [T('model1', 'cnn1'), T('model1', 'cnn2')],
  [T('model1', 'cnn2'), T('model1', 'cnn1')],
  [T('model2', 'cnn1'), T('model2', 'cnn2')],
  [T('model2', 'cnn2'), T('model2', 'cnn1')],
  [T('model2', 'cnn1'), T('model1', 'cnn1')],
  [T('model1', 'cnn1'), T('model2', 'cnn1')],
  [T('model2', 'cnn2'), T('model1', 'cnn2')],
  [T('model1', 'cnn2'), T('model2', 'cnn2')],
  [T('model1', 'cnn1'), T('model1', 'cnn1', 'init')],
  [T('model1', 'cnn2'), T('model1', 'cnn2', 'init')],
  [T('model2', 'cnn1'), T('model2', 'cnn1', 'init')],
  [T('model2', 'cnn2'), T('model2', 'cnn2', 'init')],
];

/** tfjs conv kernel [K,K,1,F] → F filters, each K·K row-major (row r, column c). */
export function kernelToFilters(kernel: Float32Array, k: number, f: number): Float32Array[] {
  return Array.from({ length: f }, (_, j) => Float32Array.from({ length: k * k }, (_, rc) => kernel[rc * f + j]));
}

export interface SimilarityRecord { comparison: string; ref: FilterRef; other: FilterRef; i: number; s: number; argmin: number }

/** Present only when the study retrained CNN1 from its initial weights (train.noiseFloor). */
export const NOISE_FLOOR: [FilterRef, FilterRef] = [T('model1', 'cnn1'), T('model1', 'cnn1_rerun')];

/**
 * S_i = min_j ||F_i − G_j|| (raw Euclidean, the paper's measure) for every comparison of one seed.
 * `get` returns null for filters the seed does not have (only the rerun is optional).
 */
export function seedSimilarity(get: (r: FilterRef) => Float32Array[] | null): SimilarityRecord[] {
  const rows: SimilarityRecord[] = [];
  const wanted = get(NOISE_FLOOR[1]) ? [...COMPARISONS, NOISE_FLOOR] : COMPARISONS;
  for (const [ref, other] of wanted) {
    const a = get(ref);
    const b = get(other);
    if (!a || !b) throw new Error(`internal: no ${refName(a ? other : ref)} filters for ${comparisonName(ref, other)}`);
    const { s, argmin } = filterSimilarity(a, b, 'raw');
    for (let i = 0; i < s.length; i++) rows.push({ comparison: comparisonName(ref, other), ref, other, i, s: s[i], argmin: argmin[i] });
  }
  return rows;
}
