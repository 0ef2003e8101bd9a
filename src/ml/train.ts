/**
 * The training loop, written once and used for every network and engine: shuffle, mini-batch
 * step (through an Engine's Trainer), running train metrics, validation after each epoch. Plus
 * the tfjs helpers the tfjs engine builds its batches with, and scoring.
 */
import type * as tfType from './tfjs.ts';
import type { StudyConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import type { NetWeights, Trainer } from './engine.ts';
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
  /** Set on the end-of-epoch event only: the validation pass (dropout off) and the epoch's wall time. */
  valAccuracy?: number;
  valLoss?: number;
  seconds?: number;
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
  /** Labels of the validation split, scored against trainer.logits('val'). */
  valLabels: ArrayLike<number>;
  shuffle: Rng;
  onProgress: (p: Progress) => void;
}

export type StopReason = 'fixed' | 'plateau' | 'max_epochs';

/** What one network's training did, as recorded in history.arrow and metrics.arrow. */
export interface FitResult {
  /** One record per epoch run; `best` marks the epoch whose weights were kept. */
  history: (EpochRecord & { best: boolean })[];
  epochsRun: number;
  /** The kept epoch (1-based): the last under 'fixed', the lowest validation loss under 'plateau'. */
  bestEpoch: number;
  stopReason: StopReason;
  /** Trained to the stated standard: 'fixed' always; 'plateau' when patience ran out within train.epochs. */
  metStopRule: boolean;
}

/**
 * The plateau rule on a sequence of validation losses: after each epoch, is this epoch the new
 * best (lower than the best so far by more than minDelta), and should training stop (`patience`
 * epochs in a row without a new best)? Pure, so the rule is testable without training.
 */
export class PlateauRule {
  bestEpoch = 0;
  bestLoss = Infinity;
  private since = 0;
  constructor(private readonly patience: number, private readonly minDelta: number) {}
  /** Feeds epoch `epoch`'s validation loss; returns whether it is the new best and whether to stop. */
  update(epoch: number, valLoss: number): { improved: boolean; stop: boolean } {
    const improved = this.bestEpoch === 0 || valLoss < this.bestLoss - this.minDelta;
    if (improved) {
      this.bestEpoch = epoch;
      this.bestLoss = valLoss;
      this.since = 0;
    } else {
      this.since++;
    }
    return { improved, stop: this.since >= this.patience };
  }
}

/**
 * Trains through `trainer` (any Engine's) under the stop rule of `train`: per epoch one shuffled
 * pass of mini-batch steps, then a full validation pass (dropout off). Under 'plateau' the best
 * epoch's weights are copied after each new best and restored at the end. Throws E_TRAIN on a
 * non-finite loss.
 */
export async function fit(trainer: Trainer, train: StudyConfig['train'], spec: FitSpec): Promise<FitResult> {
  const steps = Math.ceil(spec.n / train.batchSize);
  const maxEpochs = train.epochs;
  const plateau = train.stopRule === 'plateau' ? new PlateauRule(train.patience, train.minDelta) : null;
  const history: (EpochRecord & { best: boolean })[] = [];
  let bestWeights: NetWeights | null = null;
  let stopReason: StopReason = plateau ? 'max_epochs' : 'fixed';
  let lastReport = 0;
  for (let epoch = 1; epoch <= maxEpochs; epoch++) {
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
        spec.onProgress({ network: spec.network, epoch, epochs: maxEpochs, step: s + 1, steps, loss: lossSum / seen, accuracy: correctSum / seen });
      }
    }
    // --- validation, dropout off ---
    const val = scoreLogits(await trainer.logits('val'), spec.valLabels, trainer.classes);
    const rec = { epoch, trainLoss: lossSum / spec.n, trainAccuracy: correctSum / spec.n, valLoss: val.loss, valAccuracy: val.accuracy, seconds: 0, best: false };
    history.push(rec);
    // --- stop rule ---
    let stop = false;
    if (plateau) {
      const r = plateau.update(epoch, val.loss);
      // A copy is needed only if a later epoch may run (the last epoch's weights are the trainer's own).
      if (r.improved && epoch < maxEpochs) bestWeights = await trainer.weights();
      if (r.stop) {
        stopReason = 'plateau'; // patience ran out, at the latest in the last allowed epoch
        stop = true;
      }
    }
    rec.seconds = (performance.now() - t0) / 1000;
    spec.onProgress({ network: spec.network, epoch, epochs: maxEpochs, step: steps, steps, loss: rec.trainLoss, accuracy: rec.trainAccuracy, valAccuracy: rec.valAccuracy, valLoss: rec.valLoss, seconds: rec.seconds });
    if (stop) break;
  }
  const epochsRun = history.length;
  const bestEpoch = plateau ? plateau.bestEpoch : epochsRun;
  // Restore the best epoch's weights when a later epoch was worse (not needed if the last is the best).
  if (plateau && bestEpoch < epochsRun) await trainer.setWeights(bestWeights!);
  history[bestEpoch - 1].best = true;
  return { history, epochsRun, bestEpoch, stopReason, metStopRule: stopReason !== 'max_epochs' };
}

/** Cross-entropy from logits and one-hot labels, and the number of correct argmaxes. */
export function lossAndCorrect(tf: TF, logits: tfType.Tensor2D, oneHot: tfType.Tensor2D): { loss: tfType.Scalar; correct: tfType.Scalar } {
  const loss = tf.losses.softmaxCrossEntropy(oneHot, logits) as tfType.Scalar;
  const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(oneHot, 1)), 'float32')) as tfType.Scalar;
  return { loss, correct };
}
