/**
 * The digit CNN of ml/models.ts as ONNX nodes: forward pass and hand-derived backward pass.
 *
 * Weights stay in tfjs layouts (convKernel [K,K,1,F], dense kernels [in,out]) so that the optimiser,
 * weights() and the Arrow outputs need no conversion; the conv kernel is transposed to ONNX's
 * [F,1,K,K] inside the graph (144 floats).
 *
 * Shapes (N batch, S = 28−K+1 conv side, p pool size, P = ⌊S/p⌋ pooled side, F filters, D dense units):
 *   x[N,28,28,1] uint8 → /255 → x4 [N,1,28,28] (a Reshape: one channel) → conv + ReLU → pool [N,F,P,P]
 *   → NHWC [N,P,P,F] (tfjs' flatten order) → · mask → flat [N,P·P·F] → h1 = Relu(Gemm) [N,D]
 *   → logits = Gemm [N,10]
 *
 * Training graphs compute the conv + pool as p² strided convs, one per window position (dy,dx):
 * r_k = Relu(Conv(x4[:, :, dy:, dx:], stride p)) [N,F,P,P] is the ReLU'd conv output at (p·Y+dy, p·X+dx),
 * and the pool is Max (or Sum/p²) of the r_k. The backward pass then needs no full-resolution tensor
 * at all, and no MaxPool Indices output (slow in onnxruntime). Measured alternatives (bench/ort-step.ts
 * --profile, ms per CNN step on the loaded machine): one Conv + MaxPool with the maxima found on r
 * viewed as [N,F,P,p,P,p] by broadcasting, 110 ms in Where/Equal (onnxruntime broadcasts innermost
 * spans of p = 2 elements one call at a time); strided Slices of r per position and a 6-D Transpose
 * back, 29 ms in Slice + Transpose.
 *
 * Max-pool gradient: tfjs routes each window's gradient to its first maximum in row-major window
 * order (strict `>` scan). Here position k takes what is left of the window's gradient where
 * r_k == pooled, and the rest goes on to position k+1 (12 ops for 2×2 windows; marking "equal and
 * no earlier maximum" with And/Not/Or took 21 and measured no faster). Only windows with max > 0 pass gradient (the ReLU gradient: the
 * first maximum is positive exactly when the max is). Positive ties are common, not rare: over
 * MNIST's blank background every conv output equals the bias, so with a positive bias all p² positions
 * tie and exactly one must take the gradient (a plain `r == max` mask would send it to all four;
 * test/ort-train.test.ts fails on the MNIST batch if the tie rule is broken).
 *
 * Filter gradient as convs over the batch: with the batch as channels, x_k [1,N,L,L] convolved with
 * the gradient g_k transposed to [F,N,P,P] at dilation p gives [1,F,K,K] = Σ_n,Y,X g_k[n,f,Y,X] ·
 * x[n, p·Y+dy+ky, p·X+dx+kx]; the sum over k is the filter gradient.
 */
import type { StudyConfig } from '../../config.ts';
import { IMAGE_SIDE, pooledSide } from '../../ml/models.ts';
import { attr, type TrainGraph } from './ops.ts';

type ModelConfig = StudyConfig['model'];

export const CNN_KEYS = ['convKernel', 'convBias', 'dense1Kernel', 'dense1Bias', 'dense2Kernel', 'dense2Bias'] as const;

export interface CnnForward {
  /** Per window position k = dy·p + dx: the input slice [N,1,L,L] and the ReLU'd strided conv [N,F,P,P] (training graphs). */
  xk: string[];
  rk: string[];
  pooled: string; // [N,F,P,P]
  mask: string | null; // [N,P,P,F]
  flat: string; // [N,P·P·F]
  h1: string; // [N,D] after ReLU
  logits: string | null; // [N,10]; null when built without the dense2 layer
}

const w = (prefix: string, key: string) => `${prefix}/${key}`;

/**
 * Adds one CNN reading the uint8 images `x` [N,28,28,1]; `mask` [N,P,P,F] given = training (dropout on).
 * `withLogits` false stops at the dense layer (model-2 reading it: dense2 is not in that graph).
 * `forBackward` builds the conv + pool as per-position strided convs (see the header); without it,
 * one Conv + Relu + MaxPool|AveragePool, which onnxruntime fuses.
 */
export function addCnnForward(t: TrainGraph, m: ModelConfig, prefix: string, x: string, opts: { mask?: string | null; withLogits?: boolean; forBackward?: boolean } = {}): CnnForward {
  const { mask = null, withLogits = true, forBackward = true } = opts;
  const k = m.kernelSize;
  const P = pooledSide(m);
  const p = m.poolSize;
  const x4 = t.div(t.reshape(t.op('Cast', [x], [attr.int('to', 1)]), [-1, 1, IMAGE_SIDE, IMAGE_SIDE]), t.f(255));
  const wc = t.transpose(w(prefix, 'convKernel'), [3, 2, 0, 1]); // [K,K,1,F] → [F,1,K,K]
  const xk: string[] = [];
  const rk: string[] = [];
  let pooled: string;
  if (forBackward) {
    const L = p * (P - 1) + k; // input rows one strided conv reads
    for (let dy = 0; dy < p; dy++) {
      for (let dx = 0; dx < p; dx++) {
        xk.push(t.op('Slice', [x4, t.i([dy, dx]), t.i([dy + L, dx + L]), t.i([2, 3])]));
        const conv = t.op('Conv', [xk[xk.length - 1], wc, w(prefix, 'convBias')], [attr.ints('kernel_shape', [k, k]), attr.ints('strides', [p, p])]);
        rk.push(t.op('Relu', [conv]));
      }
    }
    pooled = m.pool === 'max' ? t.op('Max', rk) : t.mul(t.op('Sum', rk), t.f(1 / (p * p)));
  } else {
    const r = t.op('Relu', [t.op('Conv', [x4, wc, w(prefix, 'convBias')], [attr.ints('kernel_shape', [k, k])])]);
    pooled = t.op(m.pool === 'max' ? 'MaxPool' : 'AveragePool', [r], [attr.ints('kernel_shape', [p, p]), attr.ints('strides', [p, p])]);
  }
  let nhwc = t.transpose(pooled, [0, 2, 3, 1]); // [N,P,P,F]: tfjs' flatten order
  if (mask) nhwc = t.mul(nhwc, mask);
  const flat = t.reshape(nhwc, [-1, P * P * m.filters]);
  const h1 = t.op('Relu', [t.gemm(flat, w(prefix, 'dense1Kernel'), { c: w(prefix, 'dense1Bias') })]);
  const logits = withLogits ? t.gemm(h1, w(prefix, 'dense2Kernel'), { c: w(prefix, 'dense2Bias') }) : null;
  return { xk, rk, pooled, mask, flat, h1, logits };
}
/**
 * Backward pass of one CNN. `dLogits` [N,10] and/or `dH1` [N,D] (model-2 reading the dense layer)
 * are the incoming gradients; returns the weight gradients by key (no dense2 gradients without
 * dLogits: tfjs' optimisers leave weights off the loss's path untouched).
 */
export function addCnnBackward(t: TrainGraph, m: ModelConfig, prefix: string, fw: CnnForward, dLogits: string | null, dH1: string | null): Record<string, string> {
  const k = m.kernelSize;
  const p = m.poolSize;
  const P = pooledSide(m);
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
  let dnhwc = t.reshape(t.gemm(dpre1, w(prefix, 'dense1Kernel'), { transB: true }), [-1, P, P, F]); // [N,P,P,F]
  if (fw.mask) dnhwc = t.mul(dnhwc, fw.mask);

  // ---- pool + ReLU backward, per window position: all [N,F,P,P] ----
  if (fw.rk.length !== p * p) throw new Error('internal: addCnnBackward needs a forward built forBackward');
  const g4 = t.transpose(dnhwc, [0, 3, 1, 2]); // dpooled [N,F,P,P]
  // max: the first maximum is positive iff the window's max is (ReLU gradient); avg: each position gets g/p².
  const g = m.pool === 'max' ? t.reluGrad(g4, fw.pooled) : t.mul(g4, t.f(1 / (p * p)));
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
  grads.convBias = t.sum(m.pool === 'max' ? g : t.op('Sum', gk), [0, 2, 3]);
  const L = p * (P - 1) + k;
  const dw = gk.map((gj, j) => t.op('Conv', [t.reshape(fw.xk[j], [1, -1, L, L]), t.transpose(gj, [1, 0, 2, 3])], [attr.ints('kernel_shape', [P, P]), attr.ints('dilations', [p, p])]));
  grads.convKernel = t.transpose(dw.length > 1 ? t.op('Sum', dw) : dw[0], [2, 3, 0, 1]); // [1,F,K,K] → [K,K,1,F]
  return grads;
}
