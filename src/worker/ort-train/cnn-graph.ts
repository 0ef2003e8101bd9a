/**
 * The digit CNN of models.ts as ONNX nodes: forward pass and hand-derived backward pass.
 *
 * Weights stay in tfjs layouts (convKernel [K,K,1,F], dense kernels [in,out]) so that the optimiser,
 * weights() and the Arrow outputs need no conversion; the conv kernel is transposed to ONNX's
 * [F,1,K,K] inside the graph (144 floats).
 *
 * Shapes (N batch, S = 28−K+1 conv side, p pool size, P = ⌊S/p⌋, Q = P·p the pooled-over side, F filters,
 * D dense units):
 *   x[N,28,28,1] uint8 → /255 → [N,1,28,28] (a Reshape: one channel) → Conv → r = Relu [N,F,S,S]
 *   → MaxPool|AveragePool [N,F,P,P] → NHWC [N,P,P,F] → · mask → flat [N,P·P·F] → h1 = Relu(Gemm) [N,D]
 *   → logits = Gemm [N,10]
 *
 * Max-pool gradient without MaxPool's Indices output (slow in onnxruntime): viewing r as
 * [N,F,P,p,P,p] (free for Q = S; else a Slice to Q first), each window's maximum broadcasts back from
 * the pooled [N,F,P,1,P,1]; `eq = r == max` marks the window's maxima. Ties are broken exactly as
 * tfjs does (first maximum in row-major window order, strict `>` scan): each window position gets a
 * distinct weight, larger for earlier positions, and the one maximum kept is the one whose weight
 * (where eq) is the window's largest. The gradient goes there only, and only if max > 0 (the ReLU
 * gradient: the first maximum is positive exactly when the window's max is). Ties at a positive value
 * are common, not rare: over MNIST's blank background every conv output equals the bias.
 *
 * Filter gradient as a Conv over the batch: images [1,N,Q+K−1,Q+K−1] (N as channels) convolved with
 * dconv transposed to [F,N,Q,Q] gives [1,F,K,K] = Σ_n,y,x dconv[n,f,y,x]·x[n,y+ky,x+kx].
 */
import type { StudyConfig } from '../../config.ts';
import { IMAGE_SIDE, pooledSide } from '../models.ts';
import { attr, type TrainGraph } from './ops.ts';

type ModelConfig = StudyConfig['model'];

export const CNN_KEYS = ['convKernel', 'convBias', 'dense1Kernel', 'dense1Bias', 'dense2Kernel', 'dense2Bias'] as const;

export interface CnnForward {
  x4: string; // [N,1,28,28] float
  r: string; // [N,F,S,S] after ReLU
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
 */
export function addCnnForward(t: TrainGraph, m: ModelConfig, prefix: string, x: string, mask: string | null, withLogits = true): CnnForward {
  const k = m.kernelSize;
  const P = pooledSide(m);
  const p = m.poolSize;
  const x4 = t.div(t.reshape(t.op('Cast', [x], [attr.int('to', 1)]), [-1, 1, IMAGE_SIDE, IMAGE_SIDE]), t.f(255));
  const wc = t.transpose(w(prefix, 'convKernel'), [3, 2, 0, 1]); // [K,K,1,F] → [F,1,K,K]
  const conv = t.op('Conv', [x4, wc, w(prefix, 'convBias')], [attr.ints('kernel_shape', [k, k])]);
  const r = t.op('Relu', [conv]);
  const poolAttrs = [attr.ints('kernel_shape', [p, p]), attr.ints('strides', [p, p])];
  const pooled = t.op(m.pool === 'max' ? 'MaxPool' : 'AveragePool', [r], poolAttrs);
  let nhwc = t.transpose(pooled, [0, 2, 3, 1]); // [N,P,P,F]: tfjs' flatten order
  if (mask) nhwc = t.mul(nhwc, mask);
  const flat = t.reshape(nhwc, [-1, P * P * m.filters]);
  const h1 = t.op('Relu', [t.gemm(flat, w(prefix, 'dense1Kernel'), { c: w(prefix, 'dense1Bias') })]);
  const logits = withLogits ? t.gemm(h1, w(prefix, 'dense2Kernel'), { c: w(prefix, 'dense2Bias') }) : null;
  return { x4, r, pooled, mask, flat, h1, logits };
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
  const Q = P * p;
  const S = IMAGE_SIDE - k + 1;
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
  const g6 = t.reshape(t.transpose(dnhwc, [0, 3, 1, 2]), [-1, F, P, 1, P, 1]); // dpooled, one value per window

  // ---- pool + ReLU backward → dconv [N,F,Q,Q] ----
  const rq = Q === S ? fw.r : t.op('Slice', [fw.r, t.i([0, 0]), t.i([Q, Q]), t.i([2, 3])]);
  const r6 = t.reshape(rq, [-1, F, P, p, P, p]);
  let d6: string;
  if (m.pool === 'max') {
    const max6 = t.reshape(fw.pooled, [-1, F, P, 1, P, 1]);
    const eq = t.op('Equal', [r6, max6]);
    const order = new Float32Array(p * p).map((_, j) => p * p - j); // row-major window position j → weight p²−j
    const ew = t.where(eq, t.f(order, [1, 1, 1, p, 1, p]), t.f(0));
    const first = t.op('Equal', [ew, t.op('ReduceMax', [ew], [attr.ints('axes', [3, 5]), attr.int('keepdims', 1)])]);
    d6 = t.where(first, t.reluGrad(g6, max6), t.f(0));
  } else {
    d6 = t.where(t.op('Greater', [r6, t.f(0)]), t.mul(g6, t.f(1 / (p * p))), t.f(0));
  }
  const dconv = t.reshape(d6, [-1, F, Q, Q]);
  grads.convBias = t.sum(dconv, [0, 2, 3]); // [F]
  const H = Q + k - 1;
  const xq = H === IMAGE_SIDE ? fw.x4 : t.op('Slice', [fw.x4, t.i([0, 0]), t.i([H, H]), t.i([2, 3])]);
  const xb = t.reshape(xq, [1, -1, H, H]); // batch as channels
  const dwOnnx = t.op('Conv', [xb, t.transpose(dconv, [1, 0, 2, 3])], [attr.ints('kernel_shape', [Q, Q])]); // [1,F,K,K]
  grads.convKernel = t.transpose(dwOnnx, [2, 3, 0, 1]); // → [K,K,1,F]
  return grads;
}
