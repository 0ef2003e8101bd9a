/**
 * What `npm run bench` times: one training step of a digit CNN (images) and of model-2 (pairs), at
 * batch B on real MNIST rows, on a named engine, through the `Engine` contract (src/ml/engine.ts):
 * `Trainer.step(idx)` of `engine.digitCnn` / `engine.model2`, exactly what train.ts `fit` calls.
 * The tfjs backends come from engine-load.ts `loadEngine`; 'onnxruntime' from the engine branch's
 * src/onnx/train/index.ts `createOrtEngine` when that module is on this branch.
 */
import { DEFAULTS, type BackendName, type StudyConfig } from '../src/config.ts';
import { FilterstudyError } from '../src/errors.ts';
import type { Engine, Trainer } from '../src/ml/engine.ts';
import { loadMnist, makePairs, splitMnist } from '../src/data/mnist.ts';
import { loadEngine } from '../src/worker/engine-load.ts';
import { DIGITS, initCnn, initLstm } from '../src/ml/models.ts';
import { makeRng } from '../src/rng.ts';
import type { SeedData } from '../src/data/mnist.ts';

export type Optimizer = 'sgd' | 'adam';

/** Learning rates as the presets use them (paper: SGD 0.01; quick: Adam 0.005); the step's cost does not depend on them. */
export const LEARNING_RATE: Record<Optimizer, number> = { sgd: 0.01, adam: 0.005 };
/** Distinct batches cycled through: enough that no batch stays in cache, few enough to load fast. */
const BATCHES = 8;
/** Engine names the bench accepts: the tfjs backends and onnxruntime. */
export const ENGINE_NAMES = ['auto', 'wasm', 'cpu', 'tfjs-node', 'onnxruntime'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface Stepper {
  /** What runs ('wasm', 'onnxruntime', …) and how it is driven. */
  engine: string;
  via: 'Engine';
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

/** The onnxruntime engine, if the engine branch's module is on this branch (else E_BACKEND). */
async function ortEngine(): Promise<Engine> {
  const path = '../src/onnx/train/index.ts';
  let mod: { createOrtEngine?: () => Engine | Promise<Engine> };
  try {
    mod = (await import(path)) as typeof mod;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    mod = {};
  }
  if (!mod.createOrtEngine) {
    throw new FilterstudyError('E_BACKEND', 'the onnxruntime training engine is not on this branch (src/onnx/train/index.ts createOrtEngine)', {
      hint: 'bench a tfjs backend (--engine wasm), or merge the engine branch',
    });
  }
  return await mod.createOrtEngine();
}

/** The named engine, as a worker of `filterstudy run` would load it. */
export async function openEngine(name: EngineName): Promise<Engine> {
  return name === 'onnxruntime' ? ortEngine() : loadEngine(name);
}

export async function openStepper(o: { engine: EngineName; optimizer: Optimizer; batch: number }): Promise<Stepper> {
  return engineStepper(await openEngine(o.engine), o);
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

/** Images (or pairs) per second of `steps` timed steps after `warmup` untimed ones. */
export async function timeSteps(step: (s: number) => Promise<void>, o: { steps: number; batch: number; warmup?: number; warmupSeconds?: number }): Promise<number> {
  return (await timeStepsCpu(step, o)).perSec;
}

/**
 * Warm-up before timing: at least WARMUP_STEPS steps and WARMUP_SECONDS of them. A step taken right
 * after another process had the core runs ~2.5× slower for ~10 steps (onnxruntime CNN step, batch
 * 128, 2026-12-08: 17 ms against 7 after a PyTorch run or a 2 s Python loop; a new session's first 20
 * steps 16–24 ms), so 3 steps left a cold third in 30 timed ones. bench/torch_reference.py warms up
 * by the same rule (`--warmup-seconds`), so both sides are timed warm.
 */
export const WARMUP_STEPS = 3;
export const WARMUP_SECONDS = 0.5;

/** Steps `step(0)`, `step(1)`, … until both warm-up minimums are met; returns how many it took. */
export async function warmUp(step: (s: number) => Promise<void>, o: { steps?: number; seconds?: number } = {}): Promise<number> {
  const minSteps = o.steps ?? WARMUP_STEPS;
  const until = performance.now() + 1000 * (o.seconds ?? WARMUP_SECONDS);
  let s = 0;
  while (s < minSteps || performance.now() < until) await step(s++);
  return s;
}

/**
 * Items per wall second and per CPU second of this process (user + system, all its threads) over
 * the timed steps, after `warmUp` (`warmup` steps and `warmupSeconds`, defaults above). On a shared
 * machine the CPU-time rate is the steadier one: waiting for a core does not count (cache and
 * memory-bandwidth contention still do).
 */
export async function timeStepsCpu(step: (s: number) => Promise<void>, o: { steps: number; batch: number; warmup?: number; warmupSeconds?: number }): Promise<{ perSec: number; perCpuSec: number }> {
  const warmup = await warmUp(step, { steps: o.warmup, seconds: o.warmupSeconds });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let s = 0; s < o.steps; s++) await step(warmup + s);
  const cpu = process.cpuUsage(c0);
  const n = o.steps * o.batch;
  return { perSec: n / ((performance.now() - t0) / 1000), perCpuSec: n / ((cpu.user + cpu.system) / 1e6) };
}
