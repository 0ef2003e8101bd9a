/**
 * What `npm run bench` times: one training step of a digit CNN (images) and of model-2 (pairs), at
 * batch B on real MNIST rows, on a named engine. Two ways in:
 *
 * - through the `Engine` contract (src/worker/engine.ts): `Trainer.step(idx)` of `engine.digitCnn` /
 *   `engine.model2`, for any engine a loader below provides (the onnxruntime engine, and tfjs once
 *   it runs behind the contract);
 * - ENGINE SEAM: until a tfjs `Engine` exists on this branch, the tfjs backends are timed directly
 *   (models.ts + the optimiser's minimize, exactly the steps train.ts `fit` runs today). When
 *   `loadEngine` lands, `engineLoader` finds it and this direct path is only the fallback.
 */
import { DEFAULTS, type BackendName, type StudyConfig } from '../src/config.ts';
import { FilterstudyError } from '../src/errors.ts';
import type { Engine, Trainer } from '../src/worker/engine.ts';
import { loadMnist, makePairs, splitMnist } from '../src/worker/mnist.ts';
import { DIGITS, THIRD_CLASSES, cnnLogits, disposeParams, dropoutMask, initCnn, initLstm, model2Logits, toVariables } from '../src/worker/models.ts';
import { makeRng } from '../src/worker/rng.ts';
import type { SeedData } from '../src/worker/seed-task.ts';

export type Optimizer = 'sgd' | 'adam';

/** Learning rates as the presets use them (paper: SGD 0.01; quick: Adam 0.005); the step's cost does not depend on them. */
export const LEARNING_RATE: Record<Optimizer, number> = { sgd: 0.01, adam: 0.005 };
/** Distinct batches cycled through: enough that no batch stays in cache, few enough to load fast. */
const BATCHES = 8;
/** Engine names the bench accepts: the tfjs backends and onnxruntime. */
export const ENGINE_NAMES = ['auto', 'wasm', 'cpu', 'tfjs-node', 'onnxruntime'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface Stepper {
  /** What runs ('wasm', 'onnxruntime', …) and how it was reached ('Engine' or 'tfjs direct'). */
  engine: string;
  via: 'Engine' | 'tfjs direct';
  notes: string[];
  cnnStep(s: number): Promise<void>;
  model2Step(s: number): Promise<void>;
  dispose(): Promise<void>;
}

export function checkEngineName(name: string): EngineName {
  if ((ENGINE_NAMES as readonly string[]).includes(name)) return name as EngineName;
  throw new FilterstudyError('E_CONFIG', `--engine ${JSON.stringify(name)} is not an engine the bench knows`, { hint: `use one of ${ENGINE_NAMES.join(', ')}` });
}

export function benchConfig(o: { optimizer: Optimizer; batch: number; backend?: BackendName }): StudyConfig {
  return {
    ...DEFAULTS,
    train: { ...DEFAULTS.train, batchSize: o.batch, optimizer: o.optimizer, learningRate: LEARNING_RATE[o.optimizer], momentum: 0 },
    runtime: { ...DEFAULTS.runtime, backend: o.backend ?? 'auto' },
  };
}

/** Training rows B·BATCHES of the study's split (real MNIST), paired as the paper pairs them. */
export function benchData(batch: number): SeedData {
  const d = DEFAULTS.data;
  const splits = splitMnist(loadMnist({ verify: false }), { dataSeed: d.dataSeed, trainSize: d.trainSize, valSize: d.valSize, limit: { train: batch * BATCHES, val: 2, test: 2 } });
  const pairs = { train: makePairs(splits.train, { pairing: 'reversed' }), val: makePairs(splits.val, { pairing: 'reversed' }), test: makePairs(splits.test, { pairing: 'reversed' }) };
  return { splits, pairs };
}

/** Batch s: B consecutive training rows, wrapping around. */
export const batchRows = (s: number, batch: number, n: number) => Int32Array.from({ length: batch }, (_, i) => (s * batch + i) % n);

type EngineLoader = (name: EngineName) => Promise<Engine>;

/**
 * The loader that turns an engine name into an `Engine`, if this branch has one for it: the
 * onnxruntime engine (src/worker/ort-train/index.ts `createOrtEngine`) and the tfjs one
 * (`loadEngine(backend)`). Returns null when neither module exists yet (the seam above).
 */
async function engineLoader(name: EngineName): Promise<EngineLoader | null> {
  const tryImport = async (path: string): Promise<Record<string, unknown> | null> => {
    try {
      return (await import(path)) as Record<string, unknown>;
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(path.replace(/^\.\.\//, ''))) return null;
      throw e;
    }
  };
  if (name === 'onnxruntime') {
    const mod = await tryImport('../src/worker/ort-train/index.ts');
    const create = mod?.createOrtEngine as (() => Promise<Engine> | Engine) | undefined;
    return create ? async () => await create() : null;
  }
  const mod = await tryImport('../src/worker/engine.ts');
  const load = mod?.loadEngine as ((b: BackendName) => Promise<Engine>) | undefined;
  return load ? (n) => load(n as BackendName) : null;
}

export async function openStepper(o: { engine: EngineName; optimizer: Optimizer; batch: number }): Promise<Stepper> {
  const loader = await engineLoader(o.engine);
  if (loader) return engineStepper(await loader(o.engine), o);
  if (o.engine === 'onnxruntime') {
    throw new FilterstudyError('E_BACKEND', 'the onnxruntime training engine is not on this branch (src/worker/ort-train/index.ts createOrtEngine)', {
      hint: 'bench a tfjs backend (--engine wasm) or merge the engine branch',
    });
  }
  return tfjsDirectStepper({ ...o, engine: o.engine });
}

/** Steps through the Engine contract: what the training loop will call. */
async function engineStepper(engine: Engine, o: { optimizer: Optimizer; batch: number }): Promise<Stepper> {
  const cfg = benchConfig(o);
  const data = benchData(o.batch);
  const m = cfg.model;
  const rng = makeRng(1, 'bench');
  const cnn: Trainer = await engine.digitCnn({ cfg, data, init: initCnn(m, rng), side: 'a', dropout: makeRng(1, 'bench/dropout') });
  const m2: Trainer = await engine.model2({
    cfg, data, init: { cnn1: initCnn(m, rng), cnn2: initCnn(m, rng), lstm: initLstm(m, DIGITS, rng) },
    dropoutA: makeRng(1, 'bench/dropoutA'), dropoutB: makeRng(1, 'bench/dropoutB'),
  });
  const n = data.pairs.train.n;
  return {
    engine: engine.name, via: 'Engine', notes: engine.notes,
    cnnStep: async (s) => void (await cnn.step(batchRows(s, o.batch, n))),
    model2Step: async (s) => void (await m2.step(batchRows(s, o.batch, n))),
    dispose: async () => {
      await cnn.dispose();
      await m2.dispose();
    },
  };
}

/** ENGINE SEAM fallback: tfjs steps built directly, as train.ts `fit` builds them today. */
async function tfjsDirectStepper(o: { engine: BackendName; optimizer: Optimizer; batch: number }): Promise<Stepper> {
  const { loadBackend } = await import('../src/worker/backend.ts');
  const { imageBatch, labelBatch, lossAndCorrect, makeOptimizer } = await import('../src/worker/train.ts');
  const { tf, name, notes } = await loadBackend(o.engine);
  const cfg = benchConfig(o);
  const m = cfg.model;
  const data = benchData(o.batch);
  const split = data.splits.train;
  const pairs = data.pairs.train;
  const rng = makeRng(1, 'bench');
  const drop = makeRng(1, 'bench/dropout');
  // Variable names must be unique per thread, and a thread may open several steppers.
  const tag = `bench${Math.random().toString(36).slice(2, 8)}`;

  // CNN: x[B,28,28,1] → digit, dropout on (model-1's CNN training)
  const cnn = toVariables(tf, initCnn(m, rng), `${tag}/cnn`);
  const opt1 = makeOptimizer(tf, cfg.train);
  // model-2: two CNNs → softmax → LSTM → third term, end to end
  const p = { cnn1: toVariables(tf, initCnn(m, rng), `${tag}/m2c1`), cnn2: toVariables(tf, initCnn(m, rng), `${tag}/m2c2`), lstm: toVariables(tf, initLstm(m, DIGITS, rng), `${tag}/m2l`) };
  const opt2 = makeOptimizer(tf, cfg.train);
  return {
    engine: name, via: 'tfjs direct', notes,
    cnnStep: async (s) => {
      const idx = batchRows(s, o.batch, pairs.n);
      const loss = opt1.minimize(() => lossAndCorrect(tf, cnnLogits(tf, cnn, imageBatch(tf, split.images, Array.from(idx, (i) => pairs.a[i])), m, dropoutMask(tf, o.batch, m, drop)), labelBatch(tf, pairs.digitA, idx, DIGITS)).loss, true, Object.values(cnn))!;
      loss.dataSync();
      loss.dispose();
    },
    model2Step: async (s) => {
      const idx = batchRows(s, o.batch, pairs.n);
      const loss = opt2.minimize(() => {
        const xa = imageBatch(tf, split.images, Array.from(idx, (i) => pairs.a[i]));
        const xb = imageBatch(tf, split.images, Array.from(idx, (i) => pairs.b[i]));
        const masks = { a: dropoutMask(tf, o.batch, m, drop), b: dropoutMask(tf, o.batch, m, drop) };
        return lossAndCorrect(tf, model2Logits(tf, p, xa, xb, m, masks), labelBatch(tf, pairs.label, idx, THIRD_CLASSES)).loss;
      }, true, [...Object.values(p.cnn1), ...Object.values(p.cnn2), ...Object.values(p.lstm)])!;
      loss.dataSync();
      loss.dispose();
    },
    dispose: async () => {
      for (const params of [cnn, p.cnn1, p.cnn2, p.lstm]) disposeParams(params);
      opt1.dispose();
      opt2.dispose();
    },
  };
}

/** Images (or pairs) per second of `steps` timed steps after `warmup` untimed ones. */
export async function timeSteps(step: (s: number) => Promise<void>, o: { steps: number; batch: number; warmup?: number }): Promise<number> {
  const warmup = o.warmup ?? 3; // first steps pay for kernel setup and JIT
  for (let s = 0; s < warmup; s++) await step(s);
  const t0 = performance.now();
  for (let s = 0; s < o.steps; s++) await step(warmup + s);
  return (o.steps * o.batch) / ((performance.now() - t0) / 1000);
}
