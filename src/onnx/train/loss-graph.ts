/** The loss of every training graph as ONNX nodes, written op for op as tfjs 4.22's tf.losses.softmaxCrossEntropy computes it. */
import { attr, type TrainGraph } from './ops.ts';

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
