/**
 * The engine contract's Trainers (src/ml/engine.ts) over step models run by StepRunner:
 * a digit CNN, model-1's LSTM and model-2. Each trainer owns one StepRunner (a step session, and
 * the weights and optimiser state in its ParamStore, a WebAssembly.Memory) and one forward session
 * for logits().
 */
import * as ort from 'onnxruntime-node';
import type { StudyConfig } from '../../config.ts';
import type { DigitCnnSpec, LstmSpec, Model2Spec, NetWeights, StepResult, Trainer } from '../../ml/engine.ts';
import { DIGITS, THIRD_CLASSES } from '../../ml/models.ts';
import { CNN_CHUNK } from '../export.ts';
import type { SplitName } from '../../data/mnist.ts';
import { imageTensor, maskTensor, oneHotTensor, rowTensor } from './batch.ts';
import { MaskDrawer } from './mask-simd.ts';
import { StepRunner, createSession } from './session.ts';
import { cnnForwardModel, cnnStepModel, lstmForwardModel, lstmStepModel, model2ForwardModel, model2StepModel, type StepModel } from './steps.ts';

/** Weights by part → flat `<part>/<key>` arrays (the graphs' input names). */
export function flatten(w: NetWeights): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [part, ws] of Object.entries(w)) for (const [k, v] of Object.entries(ws)) out[`${part}/${k}`] = v.data;
  return out;
}

/** Float tensors over `flat` arrays for the forward graph's weight inputs (no copies). */
export function weightFeeds(session: ort.InferenceSession, shapes: NetWeights, flat: Record<string, Float32Array>): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const [part, key] = name.split('/');
    if (!key) continue;
    feeds[name] = new ort.Tensor('float32', flat[name], shapes[part][key].shape);
  }
  return feeds;
}

/**
 * Runs `session` over rows 0..n−1 in batches of at most min(batchSize, CNN_CHUNK) rows: the conv
 * output of 100 images stays in cache (as in the exported graphs, onnx/export.ts CNN_CHUNK; measured
 * 24–30 µs/image at 100 rows against 31–43 at 1000, scratch bench on the shared machine).
 * `batch(idx)` gives the per-batch feeds; returns each output [n, width].
 */
export async function forwardAll(session: ort.InferenceSession, n: number, maxBatch: number, outputs: Record<string, number>, batch: (idx: Int32Array) => Record<string, ort.Tensor>): Promise<Record<string, Float32Array>> {
  const batchSize = Math.min(maxBatch, CNN_CHUNK);
  const names = Object.keys(outputs);
  const out = Object.fromEntries(names.map((k) => [k, new Float32Array(n * outputs[k])]));
  for (let b = 0; b < n; b += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, n - b) }, (_, i) => b + i);
    const res = await session.run(batch(idx), names);
    for (const k of names) out[k].set(res[k].data as Float32Array, b * outputs[k]);
  }
  return out;
}

/**
 * One Trainer: `batchFeeds(idx)` builds a step's inputs (drawing its dropout masks), `forwardFeeds`
 * a logits batch's non-weight inputs. Weights not in the step model (model-2 'dense': dense2) are
 * kept as given.
 */
class OrtTrainer implements Trainer {
  private disposed = false;
  constructor(
    readonly classes: number,
    private readonly cfg: StudyConfig,
    private readonly runner: StepRunner,
    private readonly forward: ort.InferenceSession,
    private readonly shapes: NetWeights, // every part's weights as given at creation (shapes, and the fixed ones' values)
    private readonly batchFeeds: (idx: Int32Array) => Record<string, ort.Tensor>,
    private readonly forwardFeeds: (split: SplitName, idx: Int32Array) => Record<string, ort.Tensor>,
    private readonly rows: (split: SplitName) => number,
  ) {}

  async step(idx: Int32Array): Promise<StepResult> {
    const r = await this.runner.step(this.batchFeeds(idx));
    return { loss: r.loss, correct: r.correct };
  }

  async logits(split: SplitName): Promise<Float32Array> {
    const flat = { ...flatten(this.shapes), ...this.runner.weightViews() };
    const wf = weightFeeds(this.forward, this.shapes, flat);
    const out = await forwardAll(this.forward, this.rows(split), this.cfg.train.evalBatchSize, { logits: this.classes }, (idx) => ({ ...this.forwardFeeds(split, idx), ...wf }));
    return out.logits;
  }

  async weights(): Promise<NetWeights> {
    const live = this.runner.weightViews();
    const out: NetWeights = {};
    for (const [part, ws] of Object.entries(this.shapes)) {
      out[part] = {};
      for (const [k, v] of Object.entries(ws)) out[part][k] = { shape: v.shape.slice(), data: (live[`${part}/${k}`] ?? v.data).slice() };
    }
    return out;
  }

  async setWeights(w: NetWeights): Promise<void> {
    const flat = flatten(w);
    for (const [part, ws] of Object.entries(this.shapes)) {
      for (const [k, v] of Object.entries(ws)) {
        const got = flat[`${part}/${k}`];
        if (!got || got.length !== v.data.length) throw new Error(`internal: setWeights: ${part}/${k} missing or of another size`);
      }
    }
    this.runner.setWeights(flat);
    // weights the step does not update (model-2 'dense': dense2) live in `shapes`
    for (const [part, ws] of Object.entries(this.shapes)) for (const [k, v] of Object.entries(ws)) v.data = flat[`${part}/${k}`].slice();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.runner.dispose();
    await this.forward.release();
  }
}

const copyWeights = (w: NetWeights): NetWeights =>
  Object.fromEntries(Object.entries(w).map(([p, ws]) => [p, Object.fromEntries(Object.entries(ws).map(([k, v]) => [k, { shape: v.shape.slice(), data: v.data.slice() }]))]));

async function make(classes: number, cfg: StudyConfig, model: StepModel, forwardBytes: Uint8Array, init: NetWeights, batchFeeds: (idx: Int32Array) => Record<string, ort.Tensor>, forwardFeeds: (split: SplitName, idx: Int32Array) => Record<string, ort.Tensor>, rows: (split: SplitName) => number): Promise<Trainer> {
  const runner = await StepRunner.create(model, flatten(init));
  try {
    const forward = await createSession(forwardBytes);
    return new OrtTrainer(classes, cfg, runner, forward, copyWeights(init), batchFeeds, forwardFeeds, rows);
  } catch (e) {
    await runner.dispose();
    throw e;
  }
}

export function digitCnnTrainer(spec: DigitCnnSpec): Promise<Trainer> {
  const { cfg, data, side } = spec;
  const m = cfg.model;
  const train = data.pairs.train;
  const digits = side === 'a' ? train.digitA : train.digitB;
  const masks = new MaskDrawer();
  const imageBuffer = {}; // a step's session.run has finished before the next step fills it
  const batchFeeds = (idx: Int32Array) => {
    const rows = idx.map((i) => train[side][i]);
    const mask = maskTensor(idx.length, m, spec.dropout, masks);
    return { x: imageTensor(data.splits.train.images, rows, imageBuffer), onehot: oneHotTensor(digits, idx, DIGITS), ...(mask ? { mask } : {}) };
  };
  const forwardFeeds = (split: SplitName, idx: Int32Array) => ({ x: imageTensor(data.splits[split].images, idx.map((i) => data.pairs[split][side][i])) });
  return make(DIGITS, cfg, cnnStepModel(cfg), cnnForwardModel(m), { cnn: spec.init }, batchFeeds, forwardFeeds, (s) => data.pairs[s].n);
}

export function lstmTrainer(spec: LstmSpec): Promise<Trainer> {
  const { cfg, data, inputs, inputDim } = spec;
  const batchFeeds = (idx: Int32Array) => ({
    x1: rowTensor(inputs.train.a, inputDim, idx), x2: rowTensor(inputs.train.b, inputDim, idx), onehot: oneHotTensor(data.pairs.train.label, idx, THIRD_CLASSES),
  });
  const forwardFeeds = (split: SplitName, idx: Int32Array) => ({ x1: rowTensor(inputs[split].a, inputDim, idx), x2: rowTensor(inputs[split].b, inputDim, idx) });
  return make(THIRD_CLASSES, cfg, lstmStepModel(cfg, inputDim), lstmForwardModel(cfg.model, inputDim), { lstm: spec.init }, batchFeeds, forwardFeeds, (s) => data.pairs[s].n);
}

export function model2Trainer(spec: Model2Spec): Promise<Trainer> {
  const { cfg, data } = spec;
  const m = cfg.model;
  const pairFeeds = (split: SplitName, idx: Int32Array, reuse?: { a: { data?: Uint8Array }; b: { data?: Uint8Array } }) => {
    const pr = data.pairs[split];
    const images = data.splits[split].images;
    return { xa: imageTensor(images, idx.map((i) => pr.a[i]), reuse?.a), xb: imageTensor(images, idx.map((i) => pr.b[i]), reuse?.b) };
  };
  const masksA = new MaskDrawer();
  const masksB = new MaskDrawer();
  const images = { a: {}, b: {} }; // reused by every step (each session.run has finished before the next)
  const batchFeeds = (idx: Int32Array) => {
    const maskA = maskTensor(idx.length, m, spec.dropoutA, masksA);
    const maskB = maskTensor(idx.length, m, spec.dropoutB, masksB);
    return { ...pairFeeds('train', idx, images), onehot: oneHotTensor(data.pairs.train.label, idx, THIRD_CLASSES), ...(maskA && maskB ? { maskA, maskB } : {}) };
  };
  return make(THIRD_CLASSES, cfg, model2StepModel(cfg), model2ForwardModel(m), { ...spec.init }, batchFeeds, pairFeeds, (s) => data.pairs[s].n);
}
