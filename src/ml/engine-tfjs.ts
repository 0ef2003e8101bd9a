/**
 * The tfjs training engine (wasm, cpu or tfjs-node, as backend.ts picks): the reference
 * implementation of the Engine contract (engine.ts). Autodiff via `optimizer.minimize` over plain
 * variables built by models.ts; one optimiser per trainer, created with it.
 */
import type * as tfType from './tfjs.ts';
import type { StudyConfig } from '../config.ts';
import type { LoadedBackend } from './backend.ts';
import { noWasmKernels, takeKernelPaths, type KernelPaths } from './kernels/paths.ts';
import type { CnnOutputs, DigitCnnSpec, Engine, LstmSpec, Model2Spec, NetWeights, StepResult, Trainer } from './engine.ts';
import {
  DIGITS, THIRD_CLASSES, cnnDense, cnnHead, cnnLogits, disposeParams, dropoutMask, fromVariables, lstmLogits, model2Logits, toVariables,
  type Params, type Weights,
} from './models.ts';
import type { SeedData, SplitName } from '../data/mnist.ts';
import { imageBatch, labelBatch, lossAndCorrect, makeOptimizer, predictLogits, rowBatch } from './train.ts';

type TF = typeof tfType;

/**
 * Rows per tfjs inference call on the wasm and cpu backends, at most (cfg.train.evalBatchSize when
 * smaller). Why: the wasm heap grows to the largest forward pass and never shrinks; at 1000 rows one
 * CNN's conv/bias/ReLU maps are 3 × [1000,26,26,16] floats (130 MB, twice for model-2), and a quick
 * seed's worker peaked at ~640 MB RSS against ~380 MB at 100 rows. Those backends compute each row
 * alone (no cross-row reduction order), so the logits are bit-identical for any chunk size
 * (test/tfjs-infer-chunk.test.ts); tfjs-node keeps evalBatchSize, its kernels are not checked for that.
 */
export const TFJS_INFER_CHUNK = 100;

/** Variable names must be unique per tfjs engine instance: a counter, not the seed, makes them so. */
let trainerCounter = 0;

interface Built {
  /** Training-mode forward pass of one batch (rows into data.pairs.train): mean loss and number correct. */
  train: (idx: Int32Array) => { loss: tfType.Scalar; correct: tfType.Scalar };
  /** Inference-mode logits [N, classes] of rows idx of a split's pairs. */
  infer: (split: SplitName, idx: Int32Array) => tfType.Tensor2D;
}

/** A Trainer over named parts of variables; `build` wires the forward passes to them. */
/** Rows per tfjs inference call (see TFJS_INFER_CHUNK). */
function inferBatch(tf: TF, cfg: StudyConfig): number {
  return tf.getBackend() === 'tensorflow' ? cfg.train.evalBatchSize : Math.min(cfg.train.evalBatchSize, TFJS_INFER_CHUNK);
}

function makeTrainer(tf: TF, cfg: StudyConfig, data: SeedData, classes: number, init: NetWeights, build: (p: Record<string, Params>) => Built): Trainer {
  const id = ++trainerCounter;
  const params: Record<string, Params> = Object.fromEntries(Object.entries(init).map(([part, w]) => [part, toVariables(tf, w, `t${id}/${part}`)]));
  const vars = Object.values(params).flatMap((p) => Object.values(p));
  const net = build(params);
  const optimizer = makeOptimizer(tf, cfg.train);
  let disposed = false;
  return {
    classes,
    async step(idx: Int32Array): Promise<StepResult> {
      let correct: tfType.Scalar | undefined;
      const loss = optimizer.minimize(() => {
        const r = net.train(idx);
        correct = tf.keep(r.correct);
        return r.loss;
      }, true, vars) as tfType.Scalar;
      const l = loss.dataSync()[0];
      loss.dispose();
      const c = correct!.dataSync()[0];
      correct!.dispose();
      return { loss: l, correct: c };
    },
    async logits(split: SplitName): Promise<Float32Array> {
      return predictLogits(tf, data.pairs[split].n, inferBatch(tf, cfg), classes, (idx) => net.infer(split, idx));
    },
    async weights(): Promise<NetWeights> {
      return Object.fromEntries(Object.entries(params).map(([part, p]) => [part, fromVariables(p)]));
    },
    async setWeights(w: NetWeights): Promise<void> {
      for (const [part, p] of Object.entries(params)) {
        for (const [k, v] of Object.entries(p)) tf.tidy(() => v.assign(tf.tensor(w[part][k].data, w[part][k].shape)));
      }
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      for (const p of Object.values(params)) disposeParams(p);
      optimizer.dispose();
      // tfjs 4.22's MomentumOptimizer.dispose() forgets SGD's learning-rate scalar `c` (one tensor
      // leaked per training); disposing twice is a no-op for plain SGD.
      (optimizer as unknown as { c?: tfType.Tensor }).c?.dispose();
    },
  };
}

export class TfjsEngine implements Engine {
  readonly name: string;
  readonly notes: string[];
  readonly kernels: string[];
  private readonly tf: TF;

  constructor(backend: LoadedBackend) {
    this.tf = backend.tf;
    this.name = backend.name;
    this.notes = backend.notes;
    this.kernels = backend.kernels;
  }

  takeKernelPaths(): KernelPaths {
    // Only the wasm backend runs our kernels (backend.ts registers them there); cpu and tfjs-node run tfjs' own.
    return this.name === 'wasm' ? takeKernelPaths() : noWasmKernels(`tfjs ${this.name} backend: tfjs' own kernels, no wasm kernels`);
  }

  async digitCnn(spec: DigitCnnSpec): Promise<Trainer> {
    const { tf } = this;
    const { cfg, data, side } = spec;
    const m = cfg.model;
    const train = data.pairs.train;
    const digits = side === 'a' ? train.digitA : train.digitB;
    return makeTrainer(tf, cfg, data, DIGITS, { cnn: spec.init }, ({ cnn }) => ({
      train: (idx) => {
        const rows = idx.map((i) => train[side][i]);
        const x = imageBatch(tf, data.splits.train.images, rows);
        return lossAndCorrect(tf, cnnLogits(tf, cnn, x, m, dropoutMask(tf, idx.length, m, spec.dropout)), labelBatch(tf, digits, idx, DIGITS));
      },
      infer: (split, idx) => {
        const of = data.pairs[split][side];
        return cnnLogits(tf, cnn, imageBatch(tf, data.splits[split].images, idx.map((i) => of[i])), m);
      },
    }));
  }

  async lstm(spec: LstmSpec): Promise<Trainer> {
    const { tf } = this;
    const { cfg, data, inputs, inputDim } = spec;
    const m = cfg.model;
    const seq = (split: SplitName, idx: Int32Array) => [rowBatch(tf, inputs[split].a, inputDim, idx), rowBatch(tf, inputs[split].b, inputDim, idx)];
    return makeTrainer(tf, cfg, data, THIRD_CLASSES, { lstm: spec.init }, ({ lstm }) => ({
      train: (idx) => lossAndCorrect(tf, lstmLogits(tf, lstm, seq('train', idx), m), labelBatch(tf, data.pairs.train.label, idx, THIRD_CLASSES)),
      infer: (split, idx) => lstmLogits(tf, lstm, seq(split, idx), m),
    }));
  }

  async model2(spec: Model2Spec): Promise<Trainer> {
    const { tf } = this;
    const { cfg, data } = spec;
    const m = cfg.model;
    const pairBatch = (split: SplitName, idx: ArrayLike<number>) => {
      const pr = data.pairs[split];
      const images = data.splits[split].images;
      return { xa: imageBatch(tf, images, Array.from(idx, (i) => pr.a[i])), xb: imageBatch(tf, images, Array.from(idx, (i) => pr.b[i])) };
    };
    return makeTrainer(tf, cfg, data, THIRD_CLASSES, spec.init, (p) => {
      const nets = p as { cnn1: Params; cnn2: Params; lstm: Params };
      return {
        train: (idx) => {
          const { xa, xb } = pairBatch('train', idx);
          const masks = { a: dropoutMask(tf, idx.length, m, spec.dropoutA), b: dropoutMask(tf, idx.length, m, spec.dropoutB) };
          return lossAndCorrect(tf, model2Logits(tf, nets, xa, xb, m, masks), labelBatch(tf, data.pairs.train.label, idx, THIRD_CLASSES));
        },
        infer: (split, idx) => {
          const { xa, xb } = pairBatch(split, idx);
          return model2Logits(tf, nets, xa, xb, m);
        },
      };
    });
  }

  async cnnForward(cfg: StudyConfig, w: Weights, images: Uint8Array, rows: ArrayLike<number>): Promise<CnnOutputs> {
    const { tf } = this;
    const m = cfg.model;
    const n = rows.length;
    const logits = new Float32Array(n * DIGITS);
    const dense = new Float32Array(n * m.denseUnits);
    // Plain tensors, not variables: nothing here is trained.
    const p = Object.fromEntries(Object.entries(w).map(([k, v]) => [k, tf.tensor(v.data, v.shape)])) as unknown as Params;
    try {
      const batch = inferBatch(tf, cfg);
      for (let b = 0; b < n; b += batch) {
        const idx = Array.from({ length: Math.min(batch, n - b) }, (_, i) => rows[b + i]);
        const [d, l] = tf.tidy(() => {
          const d1 = cnnDense(tf, p, imageBatch(tf, images, idx), m);
          return [d1, cnnHead(tf, p, d1)];
        });
        dense.set(d.dataSync() as Float32Array, b * m.denseUnits);
        logits.set(l.dataSync() as Float32Array, b * DIGITS);
        d.dispose();
        l.dispose();
      }
    } finally {
      for (const t of Object.values(p)) (t as tfType.Tensor).dispose();
    }
    return { logits, dense };
  }
}
