/**
 * The digit CNN of ml/models.ts as ONNX nodes: forward pass and hand-derived backward pass.
 *
 * Weights stay in tfjs layouts (convKernel [K,K,1,F], dense kernels [in,out]) so that the optimiser,
 * weights() and the Arrow outputs need no conversion.
 *
 * Shapes (N batch, S = 28−K+1 conv side, p pool size, P = ⌊S/p⌋ pooled side, F filters, D dense units,
 * R = N·P·P rows, one per pooled pixel):
 *   x[N,28,28,1] uint8 → /255 → x3 [N,28,28] → conv + ReLU → pool → NHWC [N,P,P,F] (tfjs' flatten
 *   order) → · mask → flat [N,P·P·F] → h1 = Relu(Gemm) [N,D] → logits = Gemm [N,10]
 *
 * Training graphs compute the conv as one Gemm per window position k = (dy,dx) of the pool, on the
 * image patches of that position transposed: patT_k [K·K, R], row j = (ky,kx) being the strided
 * slice x3[:, dy+ky + p·Y, dx+kx + p·X] (Y, X < P; only (p+K−1)² distinct slices, shared by the
 * positions). Then r_k = Relu(patT_kᵀ · W + b) [R,F] is the ReLU'd conv output at (p·Y+dy, p·X+dx),
 * already in NHWC order, and the pool is Max (or Sum/p²) of the r_k. The filter gradient of
 * position k is one Gemm, patT_k · g_k [K·K,F] = the kernel's own layout, and nothing is transposed
 * anywhere. Measured against the previous form (strided Convs per position and the filter gradient
 * as Convs over the batch, ~30 µs per conv call in im2col overhead for 3 MFLOP): see README
 * "Measuring speed". The backward pass needs no full-resolution tensor and no MaxPool Indices output
 * (slow in onnxruntime).
 *
 * Max-pool gradient: tfjs routes each window's gradient to its first maximum in row-major window
 * order (strict `>` scan). Here position k takes what is left of the window's gradient where
 * r_k == pooled, and the rest goes on to position k+1 (12 ops for 2×2 windows; marking "equal and
 * no earlier maximum" with And/Not/Or took 21 and measured no faster). Only windows with max > 0 pass gradient (the ReLU gradient: the
 * first maximum is positive exactly when the max is). Positive ties are common, not rare: over
 * MNIST's blank background every conv output equals the bias, so with a positive bias all p² positions
 * tie and exactly one must take the gradient (a plain `r == max` mask would send it to all four;
 * test/ort-train.test.ts fails on the MNIST batch if the tie rule is broken).
 */
import type { StudyConfig } from '../../config.ts';
import { IMAGE_SIDE, pooledSide } from '../../ml/models.ts';
import { attr, type TrainGraph } from './ops.ts';

type ModelConfig = StudyConfig['model'];

export const CNN_KEYS = ['convKernel', 'convBias', 'dense1Kernel', 'dense1Bias', 'dense2Kernel', 'dense2Bias'] as const;

export interface CnnForward {
  /** Per window position k = dy·p + dx: the transposed patches [K·K,R] and the ReLU'd conv [R,F] (training graphs). */
  patT: string[];
  rk: string[];
  pooled: string; // [R,F] in training graphs ([N,F,P,P] otherwise)
  mask: string | null; // [N,P,P,F]
  flat: string; // [N,P·P·F]
  h1: string; // [N,D] after ReLU
  logits: string | null; // [N,10]; null when built without the dense2 layer
}

const w = (prefix: string, key: string) => `${prefix}/${key}`;

/**
 * Adds one CNN reading the uint8 images `x` [N,28,28,1]; `mask` [N,P,P,F] given = training (dropout on).
 * `withLogits` false stops at the dense layer (model-2 reading it: dense2 is not in that graph).
 * `forBackward` builds the conv + pool as per-position Gemms on patches (see the header); without
 * it, one Conv + Relu + MaxPool|AveragePool, which onnxruntime fuses.
 */
export function addCnnForward(t: TrainGraph, m: ModelConfig, prefix: string, x: string, opts: { mask?: string | null; withLogits?: boolean; forBackward?: boolean } = {}): CnnForward {
  const { mask = null, withLogits = true, forBackward = true } = opts;
  const k = m.kernelSize;
  const P = pooledSide(m);
  const p = m.poolSize;
  const F = m.filters;
  const xf = t.op('Cast', [x], [attr.int('to', 1)]); // [N,28,28,1] float, 0..255
  const patT: string[] = [];
  const rk: string[] = [];
  let nhwc: string;
  if (forBackward) {
    const x3 = t.div(t.reshape(xf, [-1, IMAGE_SIDE, IMAGE_SIDE]), t.f(255)); // [N,28,28] in [0,1]
    // the (p+K−1)² distinct strided slices, each as one row [1,R]
    const slices = new Map<string, string>();
    const slice = (a: number, b: number) => {
      const key = `${a},${b}`;
      if (!slices.has(key)) {
        const sl = t.op('Slice', [x3, t.i([a, b]), t.i([a + p * (P - 1) + 1, b + p * (P - 1) + 1]), t.i([1, 2]), t.i([p, p])]); // [N,P,P]
        slices.set(key, t.reshape(sl, [1, -1]));
      }
      return slices.get(key)!;
    };
    const wc = t.reshape(w(prefix, 'convKernel'), [k * k, F]); // [K,K,1,F] → [K·K,F]
    for (let dy = 0; dy < p; dy++) {
      for (let dx = 0; dx < p; dx++) {
        const rows: string[] = [];
        for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) rows.push(slice(dy + ky, dx + kx));
        patT.push(t.concat(rows, 0)); // [K·K,R]
        rk.push(t.op('Relu', [t.gemm(patT[patT.length - 1], wc, { c: w(prefix, 'convBias'), transA: true })])); // [R,F]
      }
    }
    const pooled = m.pool === 'max' ? t.op('Max', rk) : t.mul(t.op('Sum', rk), t.f(1 / (p * p))); // [R,F]
    nhwc = pooled;
    if (mask) nhwc = t.mul(nhwc, t.reshape(mask, [-1, F]));
    const flat = t.reshape(nhwc, [-1, P * P * F]);
    const h1 = t.op('Relu', [t.gemm(flat, w(prefix, 'dense1Kernel'), { c: w(prefix, 'dense1Bias') })]);
    const logits = withLogits ? t.gemm(h1, w(prefix, 'dense2Kernel'), { c: w(prefix, 'dense2Bias') }) : null;
    return { patT, rk, pooled, mask, flat, h1, logits };
  }
  const x4 = t.div(t.reshape(xf, [-1, 1, IMAGE_SIDE, IMAGE_SIDE]), t.f(255));
  const wc4 = t.transpose(w(prefix, 'convKernel'), [3, 2, 0, 1]); // [K,K,1,F] → [F,1,K,K]
  const r = t.op('Relu', [t.op('Conv', [x4, wc4, w(prefix, 'convBias')], [attr.ints('kernel_shape', [k, k])])]);
  const pooled = t.op(m.pool === 'max' ? 'MaxPool' : 'AveragePool', [r], [attr.ints('kernel_shape', [p, p]), attr.ints('strides', [p, p])]);
  nhwc = t.transpose(pooled, [0, 2, 3, 1]); // [N,P,P,F]: tfjs' flatten order
  const flat = t.reshape(nhwc, [-1, P * P * F]);
  const h1 = t.op('Relu', [t.gemm(flat, w(prefix, 'dense1Kernel'), { c: w(prefix, 'dense1Bias') })]);
  const logits = withLogits ? t.gemm(h1, w(prefix, 'dense2Kernel'), { c: w(prefix, 'dense2Bias') }) : null;
  return { patT, rk, pooled, mask, flat, h1, logits };
}
/**
 * Backward pass of one CNN. `dLogits` [N,10] and/or `dH1` [N,D] (model-2 reading the dense layer)
 * are the incoming gradients; returns the weight gradients by key (no dense2 gradients without
 * dLogits: tfjs' optimisers leave weights off the loss's path untouched).
 */
export function addCnnBackward(t: TrainGraph, m: ModelConfig, prefix: string, fw: CnnForward, dLogits: string | null, dH1: string | null): Record<string, string> {
  const k = m.kernelSize;
  const p = m.poolSize;
  const F = m.filters;
  const grads: Record<string, string> = {};

  // ---- dense layers ----
  let dh1 = dH1;
  if (dLogits) {
    grads.dense2Kernel = t.gemm(fw.h1, dLogits, { transA: true }); // [D,10]
    grads.dense2Bias = t.sum(dLogits, [0]); // [10]
    const fromLogits = t.gemm(dLogits, w(prefix, 'dense2Kernel'), { transB: true }); // [N,D]
    dh1 = dh1 ? t.add(dh1, fromLogits) : fromLogits;
  }
  if (!dh1) throw new Error('internal: addCnnBackward without an incoming gradient');
  const dpre1 = t.reluGrad(dh1, fw.h1); // [N,D]
  grads.dense1Kernel = t.gemm(fw.flat, dpre1, { transA: true }); // [P·P·F, D]
  grads.dense1Bias = t.sum(dpre1, [0]);
  let dpooled = t.reshape(t.gemm(dpre1, w(prefix, 'dense1Kernel'), { transB: true }), [-1, F]); // [R,F]
  if (fw.mask) dpooled = t.mul(dpooled, t.reshape(fw.mask, [-1, F]));

  // ---- pool + ReLU backward, per window position: all [R,F] ----
  if (fw.rk.length !== p * p) throw new Error('internal: addCnnBackward needs a forward built forBackward');
  // max: the first maximum is positive iff the window's max is (ReLU gradient); avg: each position gets g/p².
  const g = m.pool === 'max' ? t.reluGrad(dpooled, fw.pooled) : t.mul(dpooled, t.f(1 / (p * p)));
  // max: route each window's gradient to the first position equal to the max; what is not taken
  // goes on to the next position (rem·1 and rem − rem are exact, so the last position gets g or 0).
  let rem = g;
  const gk = fw.rk.map((rk, j) => {
    if (m.pool === 'avg') return t.reluGrad(g, rk);
    if (j === p * p - 1) return rem;
    const gj = t.keep(rem, t.op('Equal', [rk, fw.pooled]));
    rem = t.sub(rem, gj);
    return gj;
  });
  // bias: every window sends its gradient to exactly one position (max), or to each positive one (avg)
  grads.convBias = t.sum(m.pool === 'max' ? g : t.op('Sum', gk), [0]);
  const dw = gk.map((gj, j) => t.gemm(fw.patT[j], gj)); // [K·K,R]·[R,F] = [K·K,F]
  grads.convKernel = t.reshape(dw.length > 1 ? t.op('Sum', dw) : dw[0], [k, k, 1, F]);
  return grads;
}
