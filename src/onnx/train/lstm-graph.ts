/**
 * The 2-step LSTM + dense head of ml/models.ts `lstmLogits` as ONNX nodes, forward and backward,
 * unrolled (two steps: no Loop, no ONNX LSTM op, whose training gradient is not a standard op).
 *
 * Shapes (N batch, I input dim, U units): kernel [I,4U], recurrentKernel [U,4U], bias [4U] with
 * Keras gate blocks i, f, c, o along the last axis; headKernel [U,28], headBias [28].
 *   step 1 (h0 = c0 = 0): z1 = x1·K + b
 *   step 2:               z2 = x2·K + h1·R + b
 *   i,f,o = act(z_i,f,o), g = tanh(z_c), c_t = f·c_{t−1} + i·g, h_t = o·tanh(c_t); logits = h2·Hk + hb
 * act: sigmoid, or tfjs' hardSigmoid clip(0.2·z + 0.5, 0, 1), whose gradient tfjs takes as
 * 0.2 where 0 ≤ 0.2·z + 0.5 ≤ 1 (clipByValue's gradient includes the bounds).
 */
import type { StudyConfig } from '../../config.ts';
import type { TrainGraph } from './ops.ts';

type ModelConfig = StudyConfig['model'];

export const LSTM_KEYS = ['kernel', 'recurrentKernel', 'bias', 'headKernel', 'headBias'] as const;

interface Gates { pre: string; i: string; f: string; g: string; o: string; aI: string; aF: string; aO: string }
export interface LstmForward { x: [string, string]; s1: Gates; s2: Gates; c1: string; c2: string; h1: string; h2: string; tc1: string; tc2: string; logits: string }

const w = (prefix: string, key: string) => `${prefix}/${key}`;

/** Returns the activation and the tensor its gradient needs (the sigmoid output, or the clip input). */
function act(t: TrainGraph, z: string, m: ModelConfig): { y: string; a: string } {
  if (m.recurrentActivation === 'sigmoid') {
    const y = t.op('Sigmoid', [z]);
    return { y, a: y };
  }
  const a = t.add(t.mul(z, t.f(0.2)), t.f(0.5));
  return { y: t.op('Clip', [a, t.f(0), t.f(1)]), a };
}

function actGrad(t: TrainGraph, dy: string, a: string, m: ModelConfig): string {
  if (m.recurrentActivation === 'sigmoid') return t.mul(dy, t.mul(a, t.sub(t.f(1), a))); // y(1−y), as tfjs
  const inside = t.op('And', [t.op('GreaterOrEqual', [a, t.f(0)]), t.op('LessOrEqual', [a, t.f(1)])]);
  return t.mul(t.where(inside, dy, t.f(0)), t.f(0.2));
}

function gates(t: TrainGraph, z: string, m: ModelConfig): Gates {
  const [zi, zf, zc, zo] = t.split(z, 4, 1);
  const i = act(t, zi, m);
  const f = act(t, zf, m);
  const o = act(t, zo, m);
  return { pre: z, i: i.y, f: f.y, g: t.op('Tanh', [zc]), o: o.y, aI: i.a, aF: f.a, aO: o.a };
}

/** x1, x2: [N,I] the two time steps. */
export function addLstmForward(t: TrainGraph, m: ModelConfig, prefix: string, x1: string, x2: string): LstmForward {
  const K = w(prefix, 'kernel');
  const b = w(prefix, 'bias');
  const s1 = gates(t, t.gemm(x1, K, { c: b }), m);
  const c1 = t.mul(s1.i, s1.g);
  const tc1 = t.op('Tanh', [c1]);
  const h1 = t.mul(s1.o, tc1);
  const s2 = gates(t, t.add(t.gemm(x2, K, { c: b }), t.gemm(h1, w(prefix, 'recurrentKernel'))), m);
  const c2 = t.add(t.mul(s2.f, c1), t.mul(s2.i, s2.g));
  const tc2 = t.op('Tanh', [c2]);
  const h2 = t.mul(s2.o, tc2);
  const logits = t.gemm(h2, w(prefix, 'headKernel'), { c: w(prefix, 'headBias') });
  return { x: [x1, x2], s1, s2, c1, c2, h1, h2, tc1, tc2, logits };
}

/** dy·(1 − y²): tanh's gradient from its output y. */
const tanhGrad = (t: TrainGraph, dy: string, y: string) => t.mul(dy, t.sub(t.f(1), t.mul(y, y)));

/**
 * Backward from dLogits [N,28]. Returns the weight gradients by key and, when `inputGrads`, the
 * gradients of the two inputs [N,I] (model-2 passes them on to its CNNs).
 */
export function addLstmBackward(t: TrainGraph, m: ModelConfig, prefix: string, fw: LstmForward, dLogits: string, inputGrads: boolean): { grads: Record<string, string>; dx?: [string, string] } {
  const K = w(prefix, 'kernel');
  const R = w(prefix, 'recurrentKernel');
  const grads: Record<string, string> = {};
  grads.headKernel = t.gemm(fw.h2, dLogits, { transA: true }); // [U,28]
  grads.headBias = t.sum(dLogits, [0]);
  const dh2 = t.gemm(dLogits, w(prefix, 'headKernel'), { transB: true }); // [N,U]
  // step 2
  const dc2 = tanhGrad(t, t.mul(dh2, fw.s2.o), fw.tc2);
  const dz2 = t.concat([
    actGrad(t, t.mul(dc2, fw.s2.g), fw.s2.aI, m),
    actGrad(t, t.mul(dc2, fw.c1), fw.s2.aF, m),
    tanhGrad(t, t.mul(dc2, fw.s2.i), fw.s2.g),
    actGrad(t, t.mul(dh2, fw.tc2), fw.s2.aO, m),
  ], 1); // [N,4U]
  grads.recurrentKernel = t.gemm(fw.h1, dz2, { transA: true }); // [U,4U]
  const dh1 = t.gemm(dz2, R, { transB: true });
  // step 1 (c0 = 0: no forget-gate gradient)
  const dc1 = t.add(t.mul(dc2, fw.s2.f), tanhGrad(t, t.mul(dh1, fw.s1.o), fw.tc1));
  const di1 = actGrad(t, t.mul(dc1, fw.s1.g), fw.s1.aI, m);
  const dz1 = t.concat([di1, t.mul(di1, t.f(0)), tanhGrad(t, t.mul(dc1, fw.s1.i), fw.s1.g), actGrad(t, t.mul(dh1, fw.tc1), fw.s1.aO, m)], 1);
  // both steps share K and b: one Gemm over the 2N stacked rows
  const xs = t.concat([fw.x[0], fw.x[1]], 0); // [2N,I]
  const dzs = t.concat([dz1, dz2], 0); // [2N,4U]
  grads.kernel = t.gemm(xs, dzs, { transA: true });
  grads.bias = t.sum(dzs, [0]);
  if (!inputGrads) return { grads };
  return { grads, dx: [t.gemm(dz1, K, { transB: true }), t.gemm(dz2, K, { transB: true })] };
}
