/**
 * The training engine contract: what the training loop (train.ts `fit`) and the seed task need
 * from whatever computes forward passes, gradients and optimiser updates. Two engines implement it:
 * tfjs (wasm, cpu or tfjs-node; autodiff, the reference) and onnxruntime-node (training steps as
 * ONNX graphs with hand-derived backward passes).
 *
 * Division of labour:
 * - the loop owns epochs, shuffling (the batch row indices it passes to `step`), the stop rule,
 *   progress, and restoring the best-validation weights (`weights()` / `setWeights()`);
 * - a Trainer owns the weights, the optimiser state and the compute. It draws its dropout masks
 *   from the Rng it was created with, one mask per image side per step in step order (the masks
 *   of models.ts `dropoutMask`), so a seed's masks are the same on every engine.
 *
 * Shapes: images are the split's uint8 MNIST rows (784 per image, scaled by 1/255 inside);
 * logits are row-major [n, classes] Float32Arrays (10 for a digit CNN, 28 for a third-term model).
 */
import type { StudyConfig } from '../config.ts';
import type { KernelPaths } from './kernels/paths.ts';
import type { Weights } from './models.ts';
import type { Rng } from '../rng.ts';
import type { SeedData, SplitName } from '../data/mnist.ts';

/** A trainer's weights by part: { cnn } for a digit CNN, { lstm } for model-1's LSTM, { cnn1, cnn2, lstm } for model-2. */
export type NetWeights = Record<string, Weights>;

export interface StepResult {
  /** Mean cross-entropy over the batch, dropout on. */
  loss: number;
  /** Number of rows whose argmax equals the label. */
  correct: number;
}

export interface Trainer {
  /** Classes of the output: 10 (digit CNN) or 28 (third term). */
  readonly classes: number;
  /** One optimiser step on training rows `idx` (indices into data.pairs.train). */
  step(idx: Int32Array): Promise<StepResult>;
  /** Logits [n, classes] for every pair of a split, dropout off (batches of cfg.train.evalBatchSize). */
  logits(split: SplitName): Promise<Float32Array>;
  /** A copy of the current weights. */
  weights(): Promise<NetWeights>;
  /** Replaces the weights (used to restore the best epoch); the optimiser state is left as it is. */
  setWeights(w: NetWeights): Promise<void>;
  /** Frees everything the trainer holds; safe to call twice. */
  dispose(): Promise<void>;
}

export interface DigitCnnSpec {
  cfg: StudyConfig;
  data: SeedData;
  init: Weights;
  /** 'a' trains on the first image of each pair (CNN1), 'b' on the second (CNN2); the label is that image's digit. */
  side: 'a' | 'b';
  dropout: Rng;
}

export interface LstmSpec {
  cfg: StudyConfig;
  data: SeedData;
  init: Weights;
  /** Model-1's LSTM inputs per split: time step 1 (from CNN1) and 2 (from CNN2), each [n, inputDim]. */
  inputs: Record<SplitName, { a: Float32Array; b: Float32Array }>;
  inputDim: number;
}

export interface Model2Spec {
  cfg: StudyConfig;
  data: SeedData;
  init: { cnn1: Weights; cnn2: Weights; lstm: Weights };
  dropoutA: Rng;
  dropoutB: Rng;
}

export interface CnnOutputs {
  /** [n, 10] */
  logits: Float32Array;
  /** [n, denseUnits]: the dense layer after ReLU (what a linear probe reads). */
  dense: Float32Array;
}

/**
 * The trainer's forward pass, by engine (or seed.json backend) name, as the export check names it:
 * 'onnxruntime' (that engine's own forward graphs; no tfjs involved), else 'tfjs <backend>'
 * ('tfjs wasm', 'tfjs cpu', 'tfjs tensorflow').
 */
export const trainerForwardPass = (engineName: string): string => (engineName === 'onnxruntime' ? 'onnxruntime' : `tfjs ${engineName}`);

export interface Engine {
  /** What runs, as recorded in every output: 'onnxruntime', 'wasm', 'cpu' or 'tensorflow'. */
  readonly name: string;
  /** Why an `auto` choice fell back, kernel paths in use, and the like. */
  readonly notes: string[];
  /** Kernels an engine registered or replaced (tfjs: our wasm kernel fixes), as recorded in seed.json. */
  readonly kernels?: string[];
  /**
   * Which kernel implementations ran since the last call, and a fresh tally (seed.json `kernelPaths`;
   * the seed task calls it when a seed starts and when it ends). An engine without tfjs wasm kernels
   * returns a record that says so.
   */
  takeKernelPaths(): KernelPaths;
  digitCnn(spec: DigitCnnSpec): Promise<Trainer>;
  lstm(spec: LstmSpec): Promise<Trainer>;
  model2(spec: Model2Spec): Promise<Trainer>;
  /** A CNN's forward pass, dropout off, on rows `rows` of a split's images. */
  cnnForward(cfg: StudyConfig, w: Weights, images: Uint8Array, rows: ArrayLike<number>): Promise<CnnOutputs>;
}
