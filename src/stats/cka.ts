/**
 * Debiased linear CKA between the first-layer activations of two CNNs.
 *
 * CKA (Kornblith et al. 2019) = HSIC(K, L) / sqrt(HSIC(K, K)·HSIC(L, L)) with linear kernels
 * K = XXᵀ, L = YYᵀ. We use the unbiased HSIC estimator of Song et al. (2012), as in Nguyen et al.
 * (2021), so that CKA of unrelated representations is ≈ 0 instead of biased upward at finite n:
 *
 *   HSIC_u = [tr(K̃L̃) + (1ᵀK̃1)(1ᵀL̃1)/((n−1)(n−2)) − 2/(n−2)·1ᵀK̃L̃1] / (n(n−3)),  K̃ = K, diag 0.
 *
 * With linear kernels every term has a feature-space form, so no n×n matrix is built:
 *   tr(K̃L̃) = ‖XᵀY‖²_F − Σ_i ‖x_i‖²‖y_i‖²,   1ᵀK̃1 = ‖Σ_i x_i‖² − Σ_i ‖x_i‖²,
 *   (K̃1)_i = x_i·Σ_j x_j − ‖x_i‖².
 * Cost O(n·p·q); memory O(n·(p+q)). Columns are centred first (HSIC_u is unchanged by it —
 * see the tests — but it avoids cancellation with ReLU features whose means dominate).
 *
 * Rows = spatial positions (image, row, col) of the valid 3×3 convolution, not per-image pooled
 * features: a first-layer filter is a local detector, its response at a position is what it
 * computes; averaging a channel over the image keeps mostly its mean brightness response. Both
 * CNNs are evaluated at the same positions, so rows are paired.
 */
import { makeRng } from '../rng.ts';
import { FilterstudyError } from '../errors.ts';

/** An n×p row-major matrix. */
export interface Features {
  n: number;
  p: number;
  data: Float32Array | Float64Array;
}

/** Debiased linear CKA of two n-row feature matrices (n ≥ 4). */
export function linearCkaDebiased(X: Features, Y: Features): number {
  return ckaPrepared(prepareCka(X), prepareCka(Y));
}

/** Centred features and their self-HSIC, so one CNN compared with several is computed once. */
export interface PreparedCka {
  features: Features;
  self: number;
}

export function prepareCka(X: Features): PreparedCka {
  if (X.n < 4) throw new FilterstudyError('E_STATS', `CKA needs at least 4 rows, got ${X.n}`);
  const features = centred(X);
  return { features, self: hsicUnbiased(features, features) };
}

export function ckaPrepared(a: PreparedCka, b: PreparedCka): number {
  if (a.features.n !== b.features.n) throw new FilterstudyError('E_STATS', `CKA: row counts differ (${a.features.n} vs ${b.features.n})`);
  const den = Math.sqrt(a.self * b.self);
  // A constant representation (e.g. all-dead ReLUs) has no similarity structure.
  return den > 0 ? hsicUnbiased(a.features, b.features) / den : NaN;
}

function centred(F: Features): Features {
  const { n, p, data } = F;
  const m = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) m[k] += data[i * p + k];
  for (let k = 0; k < p; k++) m[k] /= n;
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) out[i * p + k] = data[i * p + k] - m[k];
  return { n, p, data: out };
}

/** Unbiased HSIC with linear kernels, in feature space (formulas in the header). */
export function hsicUnbiased(X: Features, Y: Features): number {
  const n = X.n;
  const p = X.p;
  const q = Y.p;
  const xd = X.data;
  const yd = Y.data;
  const xty = new Float64Array(p * q);
  const sx = new Float64Array(p);
  const sy = new Float64Array(q);
  const nx = new Float64Array(n);
  const ny = new Float64Array(n);
  let diag = 0;
  let sumNx = 0;
  let sumNy = 0;
  for (let i = 0; i < n; i++) {
    const xo = i * p;
    const yo = i * q;
    let a = 0;
    let b = 0;
    for (let k = 0; k < p; k++) {
      const v = xd[xo + k];
      a += v * v;
      sx[k] += v;
      const ko = k * q;
      for (let l = 0; l < q; l++) xty[ko + l] += v * yd[yo + l];
    }
    for (let l = 0; l < q; l++) {
      const v = yd[yo + l];
      b += v * v;
      sy[l] += v;
    }
    nx[i] = a;
    ny[i] = b;
    diag += a * b;
    sumNx += a;
    sumNy += b;
  }
  let frob = 0;
  for (const v of xty) frob += v * v;
  const trKL = frob - diag;
  let ssx = 0;
  for (const v of sx) ssx += v * v;
  let ssy = 0;
  for (const v of sy) ssy += v * v;
  const oneK1 = ssx - sumNx;
  const oneL1 = ssy - sumNy;
  let oneKL1 = 0;
  for (let i = 0; i < n; i++) {
    let kx = 0;
    for (let k = 0; k < p; k++) kx += xd[i * p + k] * sx[k];
    let ly = 0;
    for (let l = 0; l < q; l++) ly += yd[i * q + l] * sy[l];
    oneKL1 += (kx - nx[i]) * (ly - ny[i]);
  }
  return (trKL + (oneK1 * oneL1) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * oneKL1) / (n * (n - 3));
}

export interface ActivationOptions {
  height?: number; // 28
  width?: number; // 28
  kernelSize?: number; // 3
  /** Use only this many images (the first ones); default all. */
  maxImages?: number;
  /** Sample this many positions per image (seeded, same for every CNN); default all (26·26). */
  positionsPerImage?: number;
  seed?: number;
}

/** The (image, y, x) positions the activations are evaluated at: shared by every CNN compared. */
export function activationPositions(nImages: number, opts: ActivationOptions = {}): Int32Array {
  const h = opts.height ?? 28;
  const w = opts.width ?? 28;
  const k = opts.kernelSize ?? 3;
  const oh = h - k + 1;
  const ow = w - k + 1;
  const per = Math.min(opts.positionsPerImage ?? oh * ow, oh * ow);
  const out = new Int32Array(nImages * per * 3);
  const rng = makeRng(opts.seed ?? 0, 'stats-cka-positions');
  const cells = Int32Array.from({ length: oh * ow }, (_, i) => i);
  let o = 0;
  for (let im = 0; im < nImages; im++) {
    if (per < oh * ow) {
      // Partial Fisher–Yates: the first `per` cells become a uniform sample without replacement.
      for (let i = 0; i < per; i++) {
        const j = i + rng.int(cells.length - i);
        const t = cells[i];
        cells[i] = cells[j];
        cells[j] = t;
      }
    }
    for (let c = 0; c < per; c++) {
      out[o++] = im;
      out[o++] = Math.floor(cells[c] / ow);
      out[o++] = cells[c] % ow;
    }
  }
  return out;
}

/**
 * ReLU(conv3×3-valid(image) + bias) at the given positions.
 * images: n·h·w pixels (scaled as the network saw them, e.g. /255); weights: F filters of K·K
 * (w_r_c row-major, cross-correlation as in Keras/TF Conv2D). Returns positions × F.
 */
export function firstLayerActivations(
  images: Float32Array,
  weights: ArrayLike<number>[],
  bias: ArrayLike<number>,
  positions: Int32Array,
  opts: ActivationOptions = {},
): Features {
  const h = opts.height ?? 28;
  const w = opts.width ?? 28;
  const k = opts.kernelSize ?? 3;
  const f = weights.length;
  const rows = positions.length / 3;
  const out = new Float32Array(rows * f);
  const flat = new Float64Array(f * k * k);
  weights.forEach((wt, j) => {
    if (wt.length !== k * k) throw new FilterstudyError('E_STATS', `filter ${j} has ${wt.length} weights, expected ${k * k}`);
    for (let t = 0; t < k * k; t++) flat[j * k * k + t] = wt[t];
  });
  const patch = new Float64Array(k * k);
  for (let r = 0; r < rows; r++) {
    const im = positions[3 * r];
    const y = positions[3 * r + 1];
    const x = positions[3 * r + 2];
    const base = im * h * w;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) patch[a * k + b] = images[base + (y + a) * w + x + b];
    for (let j = 0; j < f; j++) {
      let s = bias[j];
      for (let t = 0; t < k * k; t++) s += flat[j * k * k + t] * patch[t];
      out[r * f + j] = s > 0 ? s : 0;
    }
  }
  return { n: rows, p: f, data: out };
}

/** Pixels 0..255 → float32 in [0, 1] (the networks' input scaling). */
export function imagesToFloat(u8: Uint8Array, maxImages?: number, pixels = 784): Float32Array {
  const n = maxImages === undefined ? u8.length / pixels : Math.min(maxImages, u8.length / pixels);
  const out = new Float32Array(n * pixels);
  for (let i = 0; i < out.length; i++) out[i] = u8[i] / 255;
  return out;
}
