/**
 * The paper's fourth claim (its Discussion): model-2's CNNs extract features for the LSTM rather
 * than classify digits. Two measurements per trained CNN, both scored on the test split's images:
 *
 * - digit accuracy up to relabelling: the best one-to-one matching of the CNN's 10 outputs to the
 *   10 digits (Hungarian algorithm on the val split's confusion matrix: maximise matched counts),
 *   then the test accuracy of the relabelled argmax. A CNN that classifies digits under other
 *   names scores high here even if its raw digit accuracy is ~0.1.
 * - a linear probe: multinomial logistic regression on the dense layer after ReLU [n, D], fit on
 *   at most PROBE_TRAIN train images (features standardised by the train mean/std, L2 PROBE_L2,
 *   mini-batch Adam for PROBE_EPOCHS epochs in a seeded order: deterministic). How much digit
 *   information the CNN's features carry, whatever its last layer does.
 *
 * Images are the splits' own images (each once), not pairs: with reversed pairing a split's first
 * and second images are the same set.
 */
import type { StudyConfig } from '../config.ts';
import { hungarian } from '../stats/distances.ts';
import type { Engine } from '../ml/engine.ts';
import { DIGITS, type Weights } from '../ml/models.ts';
import { makeRng, type Rng } from '../rng.ts';
import type { SeedData } from '../data/mnist.ts';
import type { MetricRow, ModelName } from '../ml/records.ts';
import { permutation, scoreLogits } from '../ml/train.ts';

/** Train images the probe is fit on (at most): enough for a 128→10 linear map (1,290 parameters). */
export const PROBE_TRAIN = 10000;
/** Val images the relabelling is fit on (at most): a 10×10 matching needs a few hundred per digit. */
export const RELABEL_VAL = 5000;
/** Probe: small L2 on the weights (standardised features), mini-batch size, Adam step and epochs. */
export const PROBE_L2 = 1e-4;
const PROBE_BATCH = 128;
const PROBE_LR = 0.01;
export const PROBE_EPOCHS = 5; // 10k × 128 features: ~0.4 s CPU per CNN (10 epochs: ~0.8 s), measured on the shared machine

/** Row argmax (first max) of a row-major [n, c] array. */
function argmaxRows(x: Float32Array, c: number): Int32Array {
  const n = x.length / c;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let a = 0;
    for (let k = 1; k < c; k++) if (x[r * c + k] > x[r * c + a]) a = k;
    out[r] = a;
  }
  return out;
}

/**
 * The matching output k → digit perm[k] (a permutation of 0..9) that maximises how many val
 * images' argmax output is matched to their digit.
 */
export function relabelMatching(logits: Float32Array, labels: ArrayLike<number>): Int32Array {
  const pred = argmaxRows(logits, DIGITS);
  const counts = new Float64Array(DIGITS * DIGITS); // [output, digit]
  for (let r = 0; r < pred.length; r++) counts[pred[r] * DIGITS + labels[r]]++;
  // Hungarian minimises: cost = −count.
  return hungarian({ rows: DIGITS, cols: DIGITS, data: counts.map((c) => -c) }).assignment;
}

/** Accuracy and mean cross-entropy of logits [n,10] after relabelling output k as digit perm[k]. */
export function relabelledScore(logits: Float32Array, labels: ArrayLike<number>, perm: Int32Array): { accuracy: number; loss: number } {
  // Output k stands for digit perm[k]: digit d is output inv[d], so score against the relabelled targets.
  const inv = new Int32Array(DIGITS);
  perm.forEach((d, k) => (inv[d] = k));
  const { accuracy, loss } = scoreLogits(logits, Int32Array.from(labels as ArrayLike<number>, (d) => inv[d]), DIGITS);
  return { accuracy, loss };
}

/**
 * Multinomial logistic regression: fit on train features x [n, d] (row-major) with labels 0..c−1,
 * scored on test. Features are standardised with the train mean and std (a constant feature, e.g.
 * a dead ReLU unit, becomes 0). Deterministic for a given `rng`.
 */
export function linearProbe(
  train: { x: Float32Array; y: ArrayLike<number> },
  test: { x: Float32Array; y: ArrayLike<number> },
  d: number,
  c: number,
  rng: Rng,
  opts: { epochs?: number; l2?: number; lr?: number; batch?: number } = {},
): { accuracy: number; loss: number } {
  const epochs = opts.epochs ?? PROBE_EPOCHS;
  const l2 = opts.l2 ?? PROBE_L2;
  const lr = opts.lr ?? PROBE_LR;
  const batch = opts.batch ?? PROBE_BATCH;
  const n = train.y.length;
  // --- standardise: mean/std per feature from the train features ---
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += train.x[r * d + j] / n;
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) sd[j] += (train.x[r * d + j] - mean[j]) ** 2 / n;
  const scale = Float64Array.from(sd, (v) => (v > 1e-12 ? 1 / Math.sqrt(v) : 0));
  const z = (x: Float32Array) => {
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = (x[i] - mean[i % d]) * scale[i % d];
    return out;
  };
  const xs = z(train.x);
  // --- W [d, c], b [c]; Adam state ---
  const W = new Float64Array(d * c);
  const b = new Float64Array(c);
  const mW = new Float64Array(d * c), vW = new Float64Array(d * c), mb = new Float64Array(c), vb = new Float64Array(c);
  const gW = new Float64Array(d * c), gb = new Float64Array(c);
  const p = new Float64Array(c);
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  let t = 0;
  for (let e = 0; e < epochs; e++) {
    const order = permutation(n, rng);
    for (let s = 0; s < n; s += batch) {
      const rows = order.subarray(s, Math.min(n, s + batch));
      gW.fill(0);
      gb.fill(0);
      for (const r of rows) {
        const o = r * d;
        let max = -Infinity;
        for (let k = 0; k < c; k++) {
          let v = b[k];
          for (let j = 0; j < d; j++) v += xs[o + j] * W[j * c + k];
          p[k] = v;
          if (v > max) max = v;
        }
        let sum = 0;
        for (let k = 0; k < c; k++) sum += (p[k] = Math.exp(p[k] - max));
        for (let k = 0; k < c; k++) p[k] = p[k] / sum - (k === train.y[r] ? 1 : 0); // dLoss/dlogit
        for (let j = 0; j < d; j++) {
          const xj = xs[o + j];
          if (xj !== 0) for (let k = 0; k < c; k++) gW[j * c + k] += xj * p[k];
        }
        for (let k = 0; k < c; k++) gb[k] += p[k];
      }
      t++;
      const m = rows.length;
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      for (let i = 0; i < W.length; i++) {
        const g = gW[i] / m + l2 * W[i];
        mW[i] = b1 * mW[i] + (1 - b1) * g;
        vW[i] = b2 * vW[i] + (1 - b2) * g * g;
        W[i] -= (lr * mW[i]) / c1 / (Math.sqrt(vW[i] / c2) + eps);
      }
      for (let k = 0; k < c; k++) {
        const g = gb[k] / m;
        mb[k] = b1 * mb[k] + (1 - b1) * g;
        vb[k] = b2 * vb[k] + (1 - b2) * g * g;
        b[k] -= (lr * mb[k]) / c1 / (Math.sqrt(vb[k] / c2) + eps);
      }
    }
  }
  // --- score on test ---
  const xt = z(test.x);
  const nt = test.y.length;
  let correct = 0;
  let loss = 0;
  for (let r = 0; r < nt; r++) {
    let max = -Infinity;
    let arg = 0;
    for (let k = 0; k < c; k++) {
      let v = b[k];
      for (let j = 0; j < d; j++) v += xt[r * d + j] * W[j * c + k];
      p[k] = v;
      if (v > max) { max = v; arg = k; }
    }
    let sum = 0;
    for (let k = 0; k < c; k++) sum += Math.exp(p[k] - max);
    loss += Math.log(sum) + max - p[test.y[r]];
    if (arg === test.y[r]) correct++;
  }
  return { accuracy: correct / nt, loss: loss / nt };
}

const firstRows = (n: number, limit: number) => Int32Array.from({ length: Math.min(n, limit) }, (_, i) => i);

/**
 * Claim-4 metrics rows (split 'test', targets 'digit_relabelled' and 'digit_probe') for the CNNs
 * of both models, from their trained weights via Engine.cnnForward, and for model-1's noise-floor
 * rerun of CNN1 when there is one (network 'cnn1_rerun': how much data order alone moves these
 * numbers). Model-2 under model.model2Input 'dense' gets no relabelled rows: its 10-way layer is
 * not part of the network.
 */
export async function claim4Metrics(
  engine: Engine, cfg: StudyConfig, data: SeedData, seed: number, weights: Record<ModelName, { cnn1: Weights; cnn2: Weights }>, rerun: Weights | null = null,
): Promise<MetricRow[]> {
  const { train, val, test } = data.splits;
  const trainRows = firstRows(train.n, PROBE_TRAIN);
  const valRows = firstRows(val.n, RELABEL_VAL);
  const testRows = firstRows(test.n, Infinity);
  const trainY = train.labels.subarray(0, trainRows.length);
  const valY = val.labels.subarray(0, valRows.length);
  const rows: MetricRow[] = [];
  const cnns: { model: ModelName; network: string; w: Weights }[] = (['model1', 'model2'] as const).flatMap((model) =>
    (['cnn1', 'cnn2'] as const).map((network) => ({ model, network, w: weights[model][network] })),
  );
  if (rerun) cnns.push({ model: 'model1', network: 'cnn1_rerun', w: rerun });
  for (const { model, network, w } of cnns) {
    const onTest = await engine.cnnForward(cfg, w, test.images, testRows);
    if (!(model === 'model2' && cfg.model.model2Input === 'dense')) {
      const onVal = await engine.cnnForward(cfg, w, val.images, valRows);
      const perm = relabelMatching(onVal.logits, valY);
      rows.push({ model, network, split: 'test', target: 'digit_relabelled', n: test.n, ...relabelledScore(onTest.logits, test.labels, perm) });
    }
    const onTrain = await engine.cnnForward(cfg, w, train.images, trainRows);
    const probe = linearProbe({ x: onTrain.dense, y: trainY }, { x: onTest.dense, y: test.labels }, cfg.model.denseUnits, DIGITS, makeRng(seed, `probe/${model}/${network}`));
    rows.push({ model, network, split: 'test', target: 'digit_probe', n: test.n, ...probe });
  }
  return rows;
}
