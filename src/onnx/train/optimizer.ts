/**
 * Softmax cross-entropy and the optimiser updates as ONNX nodes, written op for op as tfjs 4.22
 * computes them (tf.losses.softmaxCrossEntropy, tf.train.sgd / momentum / adam), so that the same
 * float32 operations run in the same order wherever that is possible.
 *
 *   sgd       w' = (−lr)·g + w
 *   momentum  a' = mom·a + g;  w' = (−lr)·a' + w                         (classical, not Nesterov)
 *   adam      m' = m·β1 + g·(1−β1);  v' = v·β2 + g²·(1−β2)
 *             w' = ((m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε))·(−lr) + w
 * tfjs keeps β1ᵗ, β2ᵗ as float32 scalars multiplied by β once per step (starting at β); the engine
 * does the same products in JS with Math.fround (exact: a product of two float32 is exact in
 * float64) and feeds 1 − βᵗ as the scalar inputs `adam/oneMinusAcc1`, `adam/oneMinusAcc2`.
 */
import type { StudyConfig } from '../../config.ts';
import { attr, type TrainGraph } from './ops.ts';

type TrainConfig = StudyConfig['train'];

/** tfjs' tf.train.adam defaults: beta1 0.9, beta2 0.999, epsilon = the backend's epsilon(), 1e-7 for float32 backends. */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

export type OptimizerKind = 'sgd' | 'momentum' | 'adam';

export function optimizerKind(t: TrainConfig): OptimizerKind {
  if (t.optimizer === 'adam') return 'adam';
  return t.momentum > 0 ? 'momentum' : 'sgd';
}

/** Names of the per-weight state slots of an optimiser (graph input `<weight>/<slot>`). */
export function stateSlots(kind: OptimizerKind): string[] {
  return kind === 'adam' ? ['m', 'v'] : kind === 'momentum' ? ['acc'] : [];
}

/** Scalar inputs that change every step (Adam's bias corrections). */
export const ADAM_SCALARS = ['adam/oneMinusAcc1', 'adam/oneMinusAcc2'] as const;

/**
 * Adds the update of weight `name` (a graph input) with gradient `grad`; returns the names of the
 * new weight and new state tensors, in the order [weight, ...stateSlots].
 */
export function addUpdate(t: TrainGraph, train: TrainConfig, name: string, grad: string): string[] {
  const kind = optimizerKind(train);
  const negLr = t.f(-train.learningRate);
  if (kind === 'sgd') return [t.add(t.mul(negLr, grad), name)];
  if (kind === 'momentum') {
    const acc = t.add(t.mul(t.f(train.momentum), `${name}/acc`), grad);
    return [t.add(t.mul(negLr, acc), name), acc];
  }
  const m = t.add(t.mul(`${name}/m`, t.f(ADAM.beta1)), t.mul(grad, t.f(1 - ADAM.beta1)));
  const v = t.add(t.mul(`${name}/v`, t.f(ADAM.beta2)), t.mul(t.mul(grad, grad), t.f(1 - ADAM.beta2)));
  const mHat = t.div(m, ADAM_SCALARS[0]);
  const vHat = t.div(v, ADAM_SCALARS[1]);
  const step = t.div(mHat, t.add(t.op('Sqrt', [vHat]), t.f(ADAM.epsilon)));
  return [t.add(t.mul(step, negLr), name), m, v];
}

/**
 * Mean softmax cross-entropy of logits [N,C] against one-hot labels [N,C], the number of rows whose
 * argmax is the label's, and the gradient of the mean loss w.r.t. the logits: (softmax − onehot)/N.
 */
export function addSoftmaxCe(t: TrainGraph, logits: string, onehot: string): { loss: string; correct: string; dLogits: string } {
  const logp = t.op('LogSoftmax', [logits], [attr.int('axis', 1)]);
  const rowLoss = t.op('Neg', [t.sum(t.mul(logp, onehot), [1])]); // [N]
  const loss = t.op('ReduceMean', [rowLoss], [attr.int('keepdims', 0)]);
  const argmax = (x: string) => t.op('ArgMax', [x], [attr.int('axis', 1), attr.int('keepdims', 0)]);
  const correct = t.sum(t.op('Cast', [t.op('Equal', [argmax(logits), argmax(onehot)])], [attr.int('to', 1)]), [0]);
  const n = t.op('Cast', [t.op('Shape', [logits], [attr.int('start', 0), attr.int('end', 1)])], [attr.int('to', 1)]); // [1] = N
  const dLogits = t.div(t.sub(t.op('Exp', [logp]), onehot), n);
  return { loss, correct, dLogits };
}
