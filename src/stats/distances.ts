/**
 * Filter-set distances: the paper's E_ij / S_i = min_j E_ij, plus variants that remove the
 * ambiguities a raw Euclidean distance cannot see (scale, sign), a one-to-one matching
 * (Hungarian), and the collision count (several F_i sharing one nearest G_j).
 *
 * Shapes: a filter set is F rows × D = K·K columns. A distance matrix is row-major
 * rows = |ref| × cols = |other|, E[i*cols + j].
 */
import { FilterstudyError } from '../errors.ts';
import type { FilterInput } from './types.ts';

/**
 * 'raw'           ‖a − b‖ (the paper's measure)
 * 'unit'          ‖a/‖a‖ − b/‖b‖‖ = sqrt(2 − 2cos) ∈ [0, 2]: ignores each filter's scale
 * 'signflip'      min(‖a − b‖, ‖a + b‖): a filter and its negative detect the same edge with
 *                 opposite polarity; after ReLU they differ, so this is a "generous" variant
 * 'unit-signflip' sqrt(2 − 2|cos|): both invariances
 */
export type DistanceVariant = 'raw' | 'unit' | 'signflip' | 'unit-signflip';
export const VARIANTS: DistanceVariant[] = ['raw', 'unit', 'signflip', 'unit-signflip'];

export interface DistMatrix {
  rows: number;
  cols: number;
  data: Float64Array; // rows × cols
}

/** Normalise either input shape to F rows of Float64Array (copies). */
export function toRows(x: FilterInput): Float64Array[] {
  if (Array.isArray(x)) {
    const d = x.length ? x[0].length : 0;
    return x.map((r, i) => {
      if (r.length !== d) throw new FilterstudyError('E_STATS', `filter ${i} has ${r.length} weights, expected ${d}`);
      return Float64Array.from(r);
    });
  }
  const m = x as { rows: number; cols: number; data: ArrayLike<number> };
  if (m.data.length !== m.rows * m.cols) {
    throw new FilterstudyError('E_STATS', `filter matrix has ${m.data.length} values, expected ${m.rows}×${m.cols}`);
  }
  const out: Float64Array[] = [];
  for (let i = 0; i < m.rows; i++) out.push(Float64Array.from({ length: m.cols }, (_, j) => m.data[i * m.cols + j]));
  return out;
}

function norm(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

function unit(a: Float64Array): Float64Array {
  const n = norm(a);
  // A zero filter has no direction: keep it at the origin (distance 1 to every unit vector).
  return n > 0 ? a.map((v) => v / n) : new Float64Array(a.length);
}

function euclid(a: Float64Array, b: Float64Array, sign: 1 | -1): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    const d = a[k] - sign * b[k];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** E_ij between ref filter i and other filter j under a variant. */
export function distanceMatrix(ref: FilterInput, other: FilterInput, variant: DistanceVariant = 'raw'): DistMatrix {
  let a = toRows(ref);
  let b = toRows(other);
  if (a.length && b.length && a[0].length !== b[0].length) {
    throw new FilterstudyError('E_STATS', `filter sizes differ: ${a[0].length} vs ${b[0].length} weights`);
  }
  if (variant === 'unit' || variant === 'unit-signflip') {
    a = a.map(unit);
    b = b.map(unit);
  }
  const flip = variant === 'signflip' || variant === 'unit-signflip';
  const out = new Float64Array(a.length * b.length);
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const d = euclid(a[i], b[j], 1);
      out[i * b.length + j] = flip ? Math.min(d, euclid(a[i], b[j], -1)) : d;
    }
  }
  return { rows: a.length, cols: b.length, data: out };
}

/** S_i = min_j E_ij and argmin_j (first index on ties, like numpy argmin). */
export function nearest(e: DistMatrix): { s: Float64Array; argmin: Int32Array } {
  const s = new Float64Array(e.rows);
  const argmin = new Int32Array(e.rows);
  for (let i = 0; i < e.rows; i++) {
    let best = Infinity;
    let bj = -1;
    for (let j = 0; j < e.cols; j++) {
      const v = e.data[i * e.cols + j];
      if (v < best) {
        best = v;
        bj = j;
      }
    }
    s[i] = best;
    argmin[i] = bj;
  }
  return { s, argmin };
}

/** Within one set: distance of each filter to its nearest *other* filter (diagonal excluded). */
export function nearestOther(set: FilterInput, variant: DistanceVariant = 'raw'): { s: Float64Array; argmin: Int32Array } {
  const e = distanceMatrix(set, set, variant);
  if (e.rows < 2) throw new FilterstudyError('E_STATS', 'nearest other filter needs at least 2 filters');
  for (let i = 0; i < e.rows; i++) e.data[i * e.cols + i] = Infinity;
  return nearest(e);
}

/** How many ref filters share a nearest other-filter: |ref| − #distinct argmins. */
export function collisions(argmin: ArrayLike<number>): number {
  return argmin.length - new Set(Array.from(argmin)).size;
}

export interface SimilarityResult {
  s: Float64Array; // [F_ref] S_i
  argmin: Int32Array; // [F_ref]
  meanS: number;
  medianS: number;
  collisions: number;
}

/** The paper's measure (under a variant) with its summaries. */
export function filterSimilarity(ref: FilterInput, other: FilterInput, variant: DistanceVariant = 'raw'): SimilarityResult {
  const { s, argmin } = nearest(distanceMatrix(ref, other, variant));
  return { s, argmin, meanS: mean(s), medianS: median(s), collisions: collisions(argmin) };
}

/**
 * Symmetric distance between two sets: S is asymmetric (a set of 16 copies of one good filter
 * is "close" to anything containing that filter), so average both directions' mean S (Chamfer).
 */
export function chamferDistance(a: FilterInput, b: FilterInput, variant: DistanceVariant = 'raw'): { forward: number; backward: number; chamfer: number } {
  const e = distanceMatrix(a, b, variant);
  const forward = mean(nearest(e).s);
  const backward = mean(nearest(transpose(e)).s);
  return { forward, backward, chamfer: (forward + backward) / 2 };
}

export function transpose(e: DistMatrix): DistMatrix {
  const out = new Float64Array(e.data.length);
  for (let i = 0; i < e.rows; i++) for (let j = 0; j < e.cols; j++) out[j * e.rows + i] = e.data[i * e.cols + j];
  return { rows: e.cols, cols: e.rows, data: out };
}

/**
 * Minimum-cost one-to-one assignment (Hungarian algorithm, Kuhn–Munkres with potentials, the
 * O(n²m) shortest-augmenting-path form). Requires rows ≤ cols; each row gets a distinct column.
 * Returns assignment[i] = column of row i and the total cost.
 */
export function hungarian(cost: DistMatrix): { assignment: Int32Array; total: number } {
  const n = cost.rows;
  const m = cost.cols;
  if (n > m) throw new FilterstudyError('E_STATS', `hungarian needs rows ≤ cols, got ${n}×${m}`, { hint: 'transpose the matrix' });
  for (let k = 0; k < cost.data.length; k++) {
    if (!Number.isFinite(cost.data[k])) throw new FilterstudyError('E_STATS', 'hungarian: cost matrix has a non-finite entry');
  }
  const c = (i: number, j: number): number => cost.data[(i - 1) * m + (j - 1)];
  // 1-based arrays; column 0 is the virtual start. u, v: dual potentials; p[j]: row matched to column j.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(Infinity);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = c(i0, j) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Int32Array(n);
  for (let j = 1; j <= m; j++) if (p[j] !== 0) assignment[p[j] - 1] = j - 1;
  let total = 0;
  for (let i = 0; i < n; i++) total += cost.data[i * m + assignment[i]];
  return { assignment, total };
}

/** One-to-one matched distance between two filter sets: total and mean over matched pairs. */
export function matchedDistance(ref: FilterInput, other: FilterInput, variant: DistanceVariant = 'raw'): { assignment: Int32Array; costs: Float64Array; total: number; mean: number } {
  let e = distanceMatrix(ref, other, variant);
  const flipped = e.rows > e.cols;
  if (flipped) e = transpose(e);
  const h = hungarian(e);
  // Report per ref filter when rows ≤ cols; otherwise per other filter (the matched subset).
  const costs = Float64Array.from(h.assignment, (j, i) => e.data[i * e.cols + j]);
  return { assignment: h.assignment, costs, total: h.total, mean: h.total / Math.max(1, h.assignment.length) };
}

// ---- small numeric helpers shared by the stats modules ------------------------------------

export function mean(x: ArrayLike<number>): number {
  if (x.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

export function median(x: ArrayLike<number>): number {
  if (x.length === 0) return NaN;
  const a = Float64Array.from(x).sort();
  const h = a.length >> 1;
  return a.length % 2 ? a[h] : (a[h - 1] + a[h]) / 2;
}

/** Sample SD (n − 1); NaN for n < 2. */
export function sd(x: ArrayLike<number>): number {
  if (x.length < 2) return NaN;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) ** 2;
  return Math.sqrt(s / (x.length - 1));
}
