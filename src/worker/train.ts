/**
 * The training loop, written once and used for every network and engine: shuffle, mini-batch
 * step (through an Engine's Trainer), running train metrics, validation after each epoch. Plus
 * the tfjs helpers the tfjs engine builds its batches with, and scoring.
 */
import type * as tfType from '@tensorflow/tfjs';
import type { StudyConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import type { Trainer } from './engine.ts';
import type { Rng } from './models.ts';

type TF = typeof tfType;
const PIXELS = 28 * 28;

export interface EpochRecord {
  epoch: number; // 1-based
  trainLoss: number; // running mean over the epoch's batches (dropout on), as Keras reports it
  trainAccuracy: number;
  valLoss: number; // full validation pass, dropout off
  valAccuracy: number;
  seconds: number;
}

export interface Progress {
  network: string;
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  loss: number;
  accuracy: number;
  valAccuracy?: number;
}

/** images[n·784] bytes → x[N,28,28,1] in [0,1] for the rows idx (gathered in JS: one copy, no gather kernel). */
export function imageBatch(tf: TF, images: Uint8Array, idx: ArrayLike<number>): tfType.Tensor4D {
  const out = new Float32Array(idx.length * PIXELS);
  for (let r = 0; r < idx.length; r++) {
    const src = idx[r] * PIXELS;
    const dst = r * PIXELS;
    for (let p = 0; p < PIXELS; p++) out[dst + p] = images[src + p] / 255;
  }
  return tf.tensor4d(out, [idx.length, 28, 28, 1]);
}

/** Rows idx of a row-major [n, width] Float32Array → Tensor2D [N, width]. */
export function rowBatch(tf: TF, data: Float32Array, width: number, idx: ArrayLike<number>): tfType.Tensor2D {
  const out = new Float32Array(idx.length * width);
  for (let r = 0; r < idx.length; r++) out.set(data.subarray(idx[r] * width, (idx[r] + 1) * width), r * width);
  return tf.tensor2d(out, [idx.length, width]);
}

export function labelBatch(tf: TF, labels: ArrayLike<number>, idx: ArrayLike<number>, classes: number): tfType.Tensor2D {
  const out = new Float32Array(idx.length * classes);
  for (let r = 0; r < idx.length; r++) out[r * classes + labels[idx[r]]] = 1;
  return tf.tensor2d(out, [idx.length, classes]);
}

export function permutation(n: number, rng: Rng): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

export function makeOptimizer(tf: TF, t: StudyConfig['train']): tfType.Optimizer {
  if (t.optimizer === 'adam') return tf.train.adam(t.learningRate);
  return t.momentum > 0 ? tf.train.momentum(t.learningRate, t.momentum) : tf.train.sgd(t.learningRate);
}

/** Mean cross-entropy and accuracy of logits[n,C] (row-major) against integer labels, in float64. */
export function scoreLogits(logits: Float32Array, labels: ArrayLike<number>, classes: number): { loss: number; accuracy: number; predictions: Int32Array } {
  const n = labels.length;
  const predictions = new Int32Array(n);
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < n; r++) {
    const o = r * classes;
    let max = -Infinity;
    let arg = 0;
    for (let c = 0; c < classes; c++) if (logits[o + c] > max) { max = logits[o + c]; arg = c; }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[o + c] - max);
    loss += Math.log(sum) + max - logits[o + labels[r]];
    predictions[r] = arg;
    if (arg === labels[r]) correct++;
  }
  return { loss: loss / n, accuracy: correct / n, predictions };
}

/** Runs `forward` over 0..n−1 in batches (no gradients) and returns the logits [n, C] row-major. */
export function predictLogits(tf: TF, n: number, batch: number, classes: number, forward: (idx: Int32Array) => tfType.Tensor2D): Float32Array {
  const out = new Float32Array(n * classes);
  for (let b = 0; b < n; b += batch) {
    const idx = Int32Array.from({ length: Math.min(batch, n - b) }, (_, i) => b + i);
    const logits = tf.tidy(() => forward(idx));
    out.set(logits.dataSync() as Float32Array, b * classes);
    logits.dispose();
  }
  return out;
}

export interface FitSpec {
  network: string;
  /** Number of training examples; batches are index sets into 0..n−1. */
  n: number;
  epochs: number;
  shuffle: Rng;
  /** Labels of the validation split, scored against trainer.logits('val'). */
  valLabels: ArrayLike<number>;
  onProgress: (p: Progress) => void;
}

/**
 * Trains through `trainer` (any Engine's): per epoch one shuffled pass of mini-batch steps, then
 * a full validation pass (dropout off). Returns one record per epoch. Throws E_TRAIN on a
 * non-finite loss.
 */
export async function fit(trainer: Trainer, train: StudyConfig['train'], spec: FitSpec): Promise<EpochRecord[]> {
  const steps = Math.ceil(spec.n / train.batchSize);
  const history: EpochRecord[] = [];
  let lastReport = 0;
  for (let epoch = 1; epoch <= spec.epochs; epoch++) {
    const t0 = performance.now();
    // --- one pass over the shuffled training set ---
    const order = permutation(spec.n, spec.shuffle);
    let lossSum = 0;
    let correctSum = 0;
    for (let s = 0; s < steps; s++) {
      const idx = order.subarray(s * train.batchSize, Math.min((s + 1) * train.batchSize, spec.n));
      const { loss: l, correct } = await trainer.step(idx);
      correctSum += correct;
      if (!Number.isFinite(l)) {
        throw new FilterstudyError('E_TRAIN', `${spec.network}: loss became ${l} at epoch ${epoch}, step ${s + 1}`, {
          hint: 'lower train.learningRate (or momentum); the seed is recorded as failed, the others go on',
        });
      }
      lossSum += l * idx.length;
      // --- progress, at most ~4 times a second ---
      const now = performance.now();
      if (now - lastReport > 250 || s === steps - 1) {
        lastReport = now;
        const seen = Math.min((s + 1) * train.batchSize, spec.n);
        spec.onProgress({ network: spec.network, epoch, epochs: spec.epochs, step: s + 1, steps, loss: lossSum / seen, accuracy: correctSum / seen });
      }
    }
    // --- validation, dropout off ---
    const val = scoreLogits(await trainer.logits('val'), spec.valLabels, trainer.classes);
    const rec = { epoch, trainLoss: lossSum / spec.n, trainAccuracy: correctSum / spec.n, valLoss: val.loss, valAccuracy: val.accuracy, seconds: (performance.now() - t0) / 1000 };
    history.push(rec);
    spec.onProgress({ network: spec.network, epoch, epochs: spec.epochs, step: steps, steps, loss: rec.trainLoss, accuracy: rec.trainAccuracy, valAccuracy: rec.valAccuracy });
  }
  return history;
}

/** Cross-entropy from logits and one-hot labels, and the number of correct argmaxes. */
export function lossAndCorrect(tf: TF, logits: tfType.Tensor2D, oneHot: tfType.Tensor2D): { loss: tfType.Scalar; correct: tfType.Scalar } {
  const loss = tf.losses.softmaxCrossEntropy(oneHot, logits) as tfType.Scalar;
  const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(oneHot, 1)), 'float32')) as tfType.Scalar;
  return { loss, correct };
}
