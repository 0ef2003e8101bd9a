/**
 * The paper's networks as small factories over plain tfjs variables (no tf.layers): we own the
 * initialisation (seeded, in JS, so initial weights are identical on every backend), the dropout
 * masks (seeded per step), the LSTM's gate order and recurrent activation — everything ONNX export
 * and the filter study need to know exactly.
 *
 * Shapes (N = batch, K = kernelSize, F = filters, P = pooled side, D = denseUnits, U = lstmUnits):
 *   CNN   x[N,28,28,1] → conv K×K valid [N,28-K+1,·,F] → relu → pool → [N,P,P,F] → dropout
 *         → flatten [N,P·P·F] (NHWC order) → dense D relu → dense 10 → logits[N,10]
 *   LSTM  2 steps of x_t[N,I] → h[N,U] → dense 28 → logits[N,28]   (third term 2b−a, −9..18)
 *   model-2 reads per CNN (model.model2Input): softmax [N,10], logits [N,10] or the dense layer [N,D]
 *   Keras/tfjs gate order inside the 4U blocks: i, f, c, o.
 */
import type * as tfType from './tfjs.ts';
import type { StudyConfig, RecurrentActivation, LstmInput } from '../config.ts';
import type { Rng } from '../rng.ts';

export type { Rng };

type TF = typeof tfType;
type ModelConfig = StudyConfig['model'];

export const IMAGE_SIDE = 28;
export const DIGITS = 10;
export const THIRD_CLASSES = 28; // 2b − a ∈ −9..18

/** Named weight arrays: what crosses threads, goes into Arrow and into ONNX. */
export type Weights = Record<string, { shape: number[]; data: Float32Array }>;

export function pooledSide(m: ModelConfig): number {
  return Math.floor((IMAGE_SIDE - m.kernelSize + 1) / m.poolSize);
}

export function cnnShapes(m: ModelConfig): Record<string, number[]> {
  const flat = pooledSide(m) ** 2 * m.filters;
  return {
    convKernel: [m.kernelSize, m.kernelSize, 1, m.filters], // tfjs layout [kh, kw, in, out]
    convBias: [m.filters],
    dense1Kernel: [flat, m.denseUnits],
    dense1Bias: [m.denseUnits],
    dense2Kernel: [m.denseUnits, DIGITS],
    dense2Bias: [DIGITS],
  };
}

export function lstmInputDim(enc: LstmInput): number {
  return enc === 'scalar' ? 1 : DIGITS;
}

export function lstmShapes(m: ModelConfig, inputDim: number): Record<string, number[]> {
  const u = m.lstmUnits;
  return {
    kernel: [inputDim, 4 * u], // gate blocks i, f, c, o along the last axis
    recurrentKernel: [u, 4 * u],
    bias: [4 * u],
    headKernel: [u, THIRD_CLASSES],
    headBias: [THIRD_CLASSES],
  };
}

// ---- seeded initialisers (Keras defaults) ----------------------------------------------------

function glorotUniform(shape: number[], fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = (2 * rng.next() - 1) * limit;
  return out;
}

function normal(rng: Rng): number {
  // Box–Muller; 1 − u keeps log away from 0.
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Keras `orthogonal` for a [rows, cols] matrix with rows ≤ cols: orthonormal rows (Gram–Schmidt). */
function orthogonal(rows: number, cols: number, rng: Rng): Float32Array {
  const m = Array.from({ length: rows }, () => Float64Array.from({ length: cols }, () => normal(rng)));
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < r; q++) {
      let dot = 0;
      for (let c = 0; c < cols; c++) dot += m[r][c] * m[q][c];
      for (let c = 0; c < cols; c++) m[r][c] -= dot * m[q][c];
    }
    let norm = 0;
    for (let c = 0; c < cols; c++) norm += m[r][c] ** 2;
    norm = Math.sqrt(norm);
    for (let c = 0; c < cols; c++) m[r][c] /= norm;
  }
  const out = new Float32Array(rows * cols);
  m.forEach((row, r) => out.set(row, r * cols));
  return out;
}

export function initCnn(m: ModelConfig, rng: Rng): Weights {
  const s = cnnShapes(m);
  const k2 = m.kernelSize ** 2;
  return {
    convKernel: { shape: s.convKernel, data: glorotUniform(s.convKernel, k2 * 1, k2 * m.filters, rng) },
    convBias: { shape: s.convBias, data: new Float32Array(m.filters) },
    dense1Kernel: { shape: s.dense1Kernel, data: glorotUniform(s.dense1Kernel, s.dense1Kernel[0], m.denseUnits, rng) },
    dense1Bias: { shape: s.dense1Bias, data: new Float32Array(m.denseUnits) },
    dense2Kernel: { shape: s.dense2Kernel, data: glorotUniform(s.dense2Kernel, m.denseUnits, DIGITS, rng) },
    dense2Bias: { shape: s.dense2Bias, data: new Float32Array(DIGITS) },
  };
}

export function initLstm(m: ModelConfig, inputDim: number, rng: Rng): Weights {
  const s = lstmShapes(m, inputDim);
  const u = m.lstmUnits;
  const bias = new Float32Array(4 * u);
  bias.fill(1, u, 2 * u); // Keras unit_forget_bias: the forget gate starts open
  return {
    kernel: { shape: s.kernel, data: glorotUniform(s.kernel, inputDim, 4 * u, rng) },
    recurrentKernel: { shape: s.recurrentKernel, data: orthogonal(u, 4 * u, rng) },
    bias: { shape: s.bias, data: bias },
    headKernel: { shape: s.headKernel, data: glorotUniform(s.headKernel, u, THIRD_CLASSES, rng) },
    headBias: { shape: s.headBias, data: new Float32Array(THIRD_CLASSES) },
  };
}

// ---- variables ----------------------------------------------------------------------------------

export type Params = Record<string, tfType.Variable>;

export function toVariables(tf: TF, w: Weights, prefix: string): Params {
  // tidy frees the initial-value tensor; the variable itself survives tidy.
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, tf.tidy(() => tf.variable(tf.tensor(v.data, v.shape), true, `${prefix}/${k}`))]));
}

export function fromVariables(p: Params): Weights {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, { shape: v.shape.slice(), data: new Float32Array(v.dataSync()) }]));
}

export function disposeParams(p: Params): void {
  for (const v of Object.values(p)) v.dispose();
}

// ---- forward passes ------------------------------------------------------------------------------

/**
 * Inverted-dropout mask [N,P,P,F] of 0 and 1/(1−rate), drawn in JS so it is the same on every
 * engine (tfjs feeds it as a tensor, onnxruntime as a graph input); null when dropout is off (no draws).
 * When keep·256 is an integer (rate 0.25: keep a unit when its byte is < 192) each uint32 draw gives
 * four units' bytes, low byte first: the exact keep probability with a quarter of the draws (drawing
 * one uint32 per unit was ~2 ms of a ~10 ms batch-64 CNN step's CPU time). Other rates draw one
 * uint32 per unit and keep it when u / 2^32 < keep (as rng.next() < keep would). `out`, when given,
 * receives the mask (its length must be the mask's) instead of a new array.
 */
/**
 * The draws and lookup tables, kept between calls: a new 0.35 MB Uint32Array per mask (batch 128)
 * is external memory V8 collects garbage for (a micro-bench of masks alone: ~3 ms per mask against
 * ~0.3–0.6 ms kept; inside a training step no measurable change, where onnxruntime's outputs make
 * most of the garbage). One scratch per thread is safe: the function is synchronous, so no two
 * calls overlap, and the draws never leave it.
 */
let drawScratch = new Uint32Array(0);
const unitTables = new Map<number, Float32Array>();

export function dropoutMaskData(n: number, m: ModelConfig, rng: Rng, out?: Float32Array): Float32Array | null {
  if (m.dropout === 0) return null;
  const p = pooledSide(m);
  const size = n * p * p * m.filters;
  const keep = 1 - m.dropout;
  const scale = 1 / keep; // stored as float32
  if (out && out.length !== size) throw new Error(`internal: dropout mask buffer of ${out.length} values for ${size}`);
  const data = out ?? new Float32Array(size);
  const byteThreshold = keep * 256;
  if (Number.isInteger(byteThreshold)) {
    // Branch-free: each byte looks its unit up in a 256-entry table (a random 75/25 branch per unit
    // mispredicts often; measured 0.2–0.3 ms per batch-64 mask against 0.5–1.0 with the branch).
    let unit = unitTables.get(keep);
    if (!unit) {
      unit = new Float32Array(256);
      unit.fill(scale, 0, byteThreshold);
      unitTables.set(keep, unit);
    }
    const words = (size + 3) >> 2;
    if (drawScratch.length < words) drawScratch = new Uint32Array(words);
    const draws = new Int32Array(rng.fillUint32(drawScratch.subarray(0, words)).buffer, 0, words); // int32 view: no float64 conversions of draws ≥ 2^31
    const whole = size >> 2;
    for (let j = 0, i = 0; j < whole; j++, i += 4) {
      const u = draws[j];
      data[i] = unit[u & 255];
      data[i + 1] = unit[(u >> 8) & 255];
      data[i + 2] = unit[(u >> 16) & 255];
      data[i + 3] = unit[(u >> 24) & 255];
    }
    for (let i = whole << 2; i < size; i++) data[i] = unit[(draws[i >> 2] >> ((i & 3) << 3)) & 255];
  } else {
    const threshold = keep * 4294967296;
    if (drawScratch.length < size) drawScratch = new Uint32Array(size);
    const draws = rng.fillUint32(drawScratch.subarray(0, size));
    for (let i = 0; i < size; i++) data[i] = draws[i] < threshold ? scale : 0;
  }
  return data;
}

/** dropoutMaskData as a tfjs tensor [N,P,P,F]. */
export function dropoutMask(tf: TF, n: number, m: ModelConfig, rng: Rng): tfType.Tensor4D | null {
  const data = dropoutMaskData(n, m, rng);
  const p = pooledSide(m);
  return data && tf.tensor4d(data, [n, p, p, m.filters]);
}

/** x[N,28,28,1] in [0,1] → the dense layer after ReLU [N,D]; `mask` given = training (dropout on). */
export function cnnDense(tf: TF, p: Params, x: tfType.Tensor4D, m: ModelConfig, mask: tfType.Tensor4D | null = null): tfType.Tensor2D {
  const conv = tf.relu(tf.add(tf.conv2d(x, p.convKernel as tfType.Tensor4D, 1, 'valid'), p.convBias));
  const window: [number, number] = [m.poolSize, m.poolSize];
  let h: tfType.Tensor4D = m.pool === 'max' ? tf.maxPool(conv as tfType.Tensor4D, window, window, 'valid') : tf.avgPool(conv as tfType.Tensor4D, window, window, 'valid');
  if (mask) h = tf.mul(h, mask);
  const flat = tf.reshape(h, [x.shape[0], -1]) as tfType.Tensor2D;
  return tf.relu(tf.add(tf.matMul(flat, p.dense1Kernel as tfType.Tensor2D), p.dense1Bias)) as tfType.Tensor2D;
}

/** The digit layer on the dense activations: d1[N,D] → logits[N,10]. */
export function cnnHead(tf: TF, p: Params, d1: tfType.Tensor2D): tfType.Tensor2D {
  return tf.add(tf.matMul(d1, p.dense2Kernel as tfType.Tensor2D), p.dense2Bias) as tfType.Tensor2D;
}

/** x[N,28,28,1] in [0,1] → logits[N,10]; `mask` given = training (dropout on). */
export function cnnLogits(tf: TF, p: Params, x: tfType.Tensor4D, m: ModelConfig, mask: tfType.Tensor4D | null = null): tfType.Tensor2D {
  return cnnHead(tf, p, cnnDense(tf, p, x, m, mask));
}

function recurrentAct(tf: TF, x: tfType.Tensor, act: RecurrentActivation): tfType.Tensor {
  // tfjs' hardSigmoid: clip(0.2·x + 0.5, 0, 1)
  return act === 'sigmoid' ? tf.sigmoid(x) : tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
}

/** steps: T tensors [N,I] → logits[N,28]. Gate blocks i, f, c, o (Keras order). */
export function lstmLogits(tf: TF, p: Params, steps: tfType.Tensor2D[], m: ModelConfig): tfType.Tensor2D {
  const n = steps[0].shape[0];
  let h: tfType.Tensor2D = tf.zeros([n, m.lstmUnits]);
  let c: tfType.Tensor2D = tf.zeros([n, m.lstmUnits]);
  for (const x of steps) {
    const z = tf.add(tf.add(tf.matMul(x, p.kernel as tfType.Tensor2D), tf.matMul(h, p.recurrentKernel as tfType.Tensor2D)), p.bias);
    const [zi, zf, zc, zo] = tf.split(z, 4, 1);
    const i = recurrentAct(tf, zi, m.recurrentActivation);
    const f = recurrentAct(tf, zf, m.recurrentActivation);
    const o = recurrentAct(tf, zo, m.recurrentActivation);
    c = tf.add(tf.mul(f, c), tf.mul(i, tf.tanh(zc))) as tfType.Tensor2D;
    h = tf.mul(o, tf.tanh(c)) as tfType.Tensor2D;
  }
  return tf.add(tf.matMul(h, p.headKernel as tfType.Tensor2D), p.headBias) as tfType.Tensor2D;
}

/** Model-1's LSTM input from a CNN's logits[N,10]: one-hot of argmax, softmax, or argmax/9 → [N,I]. */
export function encodePrediction(tf: TF, logits: tfType.Tensor2D, enc: LstmInput): tfType.Tensor2D {
  if (enc === 'softmax') return tf.softmax(logits);
  const digit = tf.argMax(logits, 1);
  if (enc === 'onehot') return tf.cast(tf.oneHot(digit, DIGITS), 'float32') as tfType.Tensor2D;
  return tf.div(tf.cast(tf.reshape(digit, [-1, 1]), 'float32'), 9) as tfType.Tensor2D;
}

/** Model-2's LSTM input width per time step: 10 for the softmax or logits reading, D for the dense reading. */
export function model2InputDim(m: ModelConfig): number {
  return m.model2Input === 'dense' ? m.denseUnits : DIGITS;
}

/** What model-2's LSTM reads from one CNN (cfg.model.model2Input): softmax[N,10], logits[N,10] or dense-after-ReLU[N,D]. */
function model2Reading(tf: TF, p: Params, x: tfType.Tensor4D, m: ModelConfig, mask: tfType.Tensor4D | null): tfType.Tensor2D {
  const d1 = cnnDense(tf, p, x, m, mask);
  if (m.model2Input === 'dense') return d1; // the 10-way layer is not used
  const logits = cnnHead(tf, p, d1);
  return m.model2Input === 'logits' ? logits : tf.softmax(logits);
}

/** Model-2 end to end: both CNNs' readings (model2Reading) as a 2-step sequence into the LSTM → logits[N,28]. */
export function model2Logits(
  tf: TF,
  p: { cnn1: Params; cnn2: Params; lstm: Params },
  xa: tfType.Tensor4D,
  xb: tfType.Tensor4D,
  m: ModelConfig,
  masks: { a: tfType.Tensor4D | null; b: tfType.Tensor4D | null } = { a: null, b: null },
): tfType.Tensor2D {
  const sa = model2Reading(tf, p.cnn1, xa, m, masks.a);
  const sb = model2Reading(tf, p.cnn2, xb, m, masks.b);
  return lstmLogits(tf, p.lstm, [sa, sb], m);
}
