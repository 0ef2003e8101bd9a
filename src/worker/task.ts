/**
 * The Piscina task: one seed → trained filters, history, ONNX graphs and onnxruntime metrics.
 * The backend and the data are loaded once per worker thread and reused by its later tasks.
 * A failure is returned as data (not thrown) so that only this seed is marked failed, with its
 * error code and hint intact across the thread boundary.
 */
import type { MessagePort } from 'node:worker_threads';
import type { StudyConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import { trainerForwardPass, type Engine } from '../ml/engine.ts';
import type { KernelPaths } from '../ml/kernels/paths.ts';
import { loadEngine } from './engine-load.ts';
import { studyData } from '../data/mnist.ts';
import { exportCnn, exportLstm, exportModel1, exportModel2, type OnnxMeta } from '../onnx/export.ts';
import { compareProbs, loadSession, type ExportCheck, type Session } from '../onnx/ort.ts';
import { claim4Metrics } from './claim4.ts';
import { onnxMetrics } from '../onnx/eval.ts';
import { stampTestAccuracy } from '../onnx/stamp.ts';
import { runSeed } from './seed-task.ts';
import type { SeedData } from '../data/mnist.ts';
import type { FilterSet, HistoryRow, MetricRow, ModelName, NetworkTraining } from '../ml/records.ts';
import type { Progress } from '../ml/train.ts';

export interface SeedTask {
  cfg: StudyConfig;
  seed: number;
  studyId: string;
  configHash: string;
  versions: Record<string, string>;
  /** Progress messages go here (transferred to the worker with the task). */
  port?: MessagePort;
  /** Set to 1 by the main thread to stop this seed (a signal, a lost lease): see `checkCancel`. */
  cancel?: Int32Array;
}

export interface ProgressMessage extends Progress { type: 'progress'; seed: number; model: ModelName }
/** A seed's step after training, which has no epochs to count (the live display labels it). */
export interface StageMessage { type: 'stage'; seed: number; stage: 'exporting' | 'evaluating' }
export type WorkerMessage = ProgressMessage | StageMessage;

export interface SeedSuccess {
  status: 'ok';
  seed: number;
  backend: string;
  backendNotes: string[];
  kernels: string[];
  /**
   * Which kernel implementation ran, per kernel name, during this seed (ml/kernels/paths.ts), or that
   * no tfjs wasm kernels ran. Always set by the seed task; optional only so that hand-built results
   * in tests need not carry it.
   */
  kernelPaths?: KernelPaths;
  seconds: number;
  trainSeconds: Record<ModelName, number>;
  /**
   * Wall seconds of the seed's phases (what `npm run bench -- --seeds` reports): runSeed (training
   * incl. its validation passes, the noise-floor rerun and the trainer's test inference for the export
   * check), export (ONNX graphs, metadata stamp) and onnxEvaluate (sessions + metrics on every split).
   * Always set by the seed task; optional only so that hand-built results in tests need not carry it.
   */
  phaseSeconds?: { runSeed: number; export: number; onnxEvaluate: number };
  /** Wall time of the claim-4 measurements (4 CNN forward passes over val/test/train images and 4 probes). */
  claim4Seconds?: number;
  filters: FilterSet[];
  history: HistoryRow[];
  /** How each network's training ended (stop rule). */
  training: NetworkTraining[];
  metrics: MetricRow[];
  /** file name → ONNX bytes */
  onnx: Record<string, Uint8Array>;
  /**
   * The export check, per model: the exported graph run by onnxruntime against the trainer's own
   * forward pass of the same weights on every test pair (seed.json `exportVsTrainer`).
   */
  agreement: Record<ModelName, ExportCheck>;
}
export interface SeedFailure {
  status: 'failed';
  seed: number;
  backend: string | null;
  seconds: number;
  error: { code: string; message: string; hint?: string; cause?: string; stack?: string };
}
export type SeedResult = SeedSuccess | SeedFailure;

let enginePromise: Promise<Engine> | null = null;
let dataCache: { key: string; data: SeedData; source: unknown } | null = null;

function seedData(cfg: StudyConfig): SeedData {
  const key = JSON.stringify(cfg.data);
  if (dataCache?.key === key) return dataCache.data;
  const { data, source } = studyData(cfg.data);
  dataCache = { key, data, source };
  return data;
}

function describeError(e: unknown): SeedFailure['error'] {
  if (e instanceof FilterstudyError) return { ...e.toJSON(), stack: e.stack };
  // Not one of ours: a bug (or a library failing in a way we do not know), never "training failed".
  const err = e instanceof Error ? e : new Error(String(e));
  return { code: 'E_INTERNAL', message: `internal error (this is a bug): ${err.message}`, hint: 'the stack is in this record; please report it', stack: err.stack };
}

/**
 * Fault injection for the failure tests, e.g. FILTERSTUDY_FAULTS=exit@2,bug@3:
 * exit@N ends seed N's worker thread (as an out-of-memory kill would), bug@N throws a TypeError.
 * FILTERSTUDY_FAIL_SEEDS=2,5 (older) fails those seeds with a coded E_TRAIN error.
 */
function injectFault(seed: number): void {
  if ((process.env.FILTERSTUDY_FAIL_SEEDS ?? '').split(',').includes(String(seed))) {
    throw new FilterstudyError('E_TRAIN', `seed ${seed}: failure injected by FILTERSTUDY_FAIL_SEEDS`, { hint: 'unset FILTERSTUDY_FAIL_SEEDS' });
  }
  const faults = (process.env.FILTERSTUDY_FAULTS ?? '').split(',');
  if (faults.includes(`exit@${seed}`)) process.exit(70);
  if (faults.includes(`bug@${seed}`)) throw new TypeError(`seed ${seed}: bug injected by FILTERSTUDY_FAULTS`);
}

/** This thread's engine; a failed start is not cached, so a transient failure costs one seed, not every later one. */
function engineOnce(name: StudyConfig['runtime']['backend']): Promise<Engine> {
  enginePromise ??= loadEngine(name).catch((e: unknown) => {
    enginePromise = null;
    throw e;
  });
  return enginePromise;
}

/**
 * Throws E_INTERRUPTED once the main thread raised the task's cancel flag. Called between
 * training steps and between stages, never inside an onnxruntime call, so that every session is
 * released by the `finally` blocks on the way out and the thread can then end safely.
 */
function checkCancel(task: SeedTask): void {
  if (task.cancel && Atomics.load(task.cancel, 0) === 1) {
    throw new FilterstudyError('E_INTERRUPTED', `seed ${task.seed}: stopped before it finished`, { hint: 'rerun the same command to train it' });
  }
}

export default async function runSeedTask(task: SeedTask): Promise<SeedResult> {
  const t0 = performance.now();
  let backendName: string | null = null;
  try {
    checkCancel(task);
    const engine = await engineOnce(task.cfg.runtime.backend);
    checkCancel(task);
    backendName = engine.name;
    engine.takeKernelPaths(); // a fresh tally: this seed's kernel paths only
    const data = seedData(task.cfg);
    injectFault(task.seed);
    const post = (p: Progress & { model: ModelName }) => {
      checkCancel(task); // after every step: training stops within one step of a cancel
      task.port?.postMessage({ type: 'progress', seed: task.seed, ...p } satisfies ProgressMessage);
    };

    // ---- train both models ----
    const tRun = performance.now();
    const out = await runSeed(engine, task.cfg, task.seed, data, post);
    const runSeedSeconds = (performance.now() - tRun) / 1000;

    // ---- export to ONNX, then compute every metric with onnxruntime from the exported files ----
    const m = task.cfg.model;
    const w1 = out.weights.model1;
    const w2 = out.weights.model2;
    const stage = (st: StageMessage['stage']) => {
      checkCancel(task);
      task.port?.postMessage({ type: 'stage', seed: task.seed, stage: st } satisfies StageMessage);
    };
    stage('exporting');
    // Exported once without testAccuracy; the files we keep get it stamped into metadata_props after
    // evaluation (stamp.ts: the same bytes a second export would give, without re-encoding the weights).
    const tExport = performance.now();
    const meta = (model: ModelName, network: string): OnnxMeta => ({ seed: task.seed, model, network, studyId: task.studyId, configHash: task.configHash, versions: task.versions });
    const exported: Record<string, { model: ModelName; network: string; bytes: Uint8Array }> = {
      'model1.onnx': { model: 'model1', network: 'pipeline', bytes: exportModel1(w1.cnn1, w1.cnn2, w1.lstm, m, meta('model1', 'pipeline')) },
      'model2.onnx': { model: 'model2', network: 'pipeline', bytes: exportModel2(w2.cnn1, w2.cnn2, w2.lstm, m, meta('model2', 'pipeline')) },
      'model1-cnn1.onnx': { model: 'model1', network: 'cnn1', bytes: exportCnn(w1.cnn1, m, meta('model1', 'cnn1')) },
      'model1-cnn2.onnx': { model: 'model1', network: 'cnn2', bytes: exportCnn(w1.cnn2, m, meta('model1', 'cnn2')) },
      'model1-lstm.onnx': { model: 'model1', network: 'lstm', bytes: exportLstm(w1.lstm, m, meta('model1', 'lstm')) },
    };
    let exportSeconds = (performance.now() - tExport) / 1000;
    const tEval = performance.now();
    // Loaded one by one inside the try: if model-2's fails to load, model-1's is still released.
    const sessions: Partial<Record<ModelName, Session>> = {};
    let evald;
    stage('evaluating');
    try {
      sessions.model1 = await loadSession(exported['model1.onnx'].bytes);
      sessions.model2 = await loadSession(exported['model2.onnx'].bytes);
      evald = await onnxMetrics({ model1: sessions.model1, model2: sessions.model2 }, data, task.cfg.train.evalBatchSize);
    } finally {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
    }
    const evaluateSeconds = (performance.now() - tEval) / 1000;
    // The files we keep carry their test accuracy in metadata_props (the LSTM's is model-1's pipeline).
    const testAcc = (model: ModelName, network: string) =>
      evald.metrics.find((r) => r.split === 'test' && r.model === model && r.network === (network === 'lstm' ? 'pipeline' : network))?.accuracy;
    const tStamp = performance.now();
    const onnx = Object.fromEntries(Object.entries(exported).map(([file, e]) => [file, stampTestAccuracy(e.bytes, testAcc(e.model, e.network))]));
    exportSeconds += (performance.now() - tStamp) / 1000;
    // ---- claim 4: each CNN's digit accuracy up to relabelling and a linear probe (not training time) ----
    checkCancel(task);
    const tc4 = performance.now();
    const claim4 = await claim4Metrics(engine, task.cfg, data, task.seed, out.weights, out.rerunWeights);
    const claim4Seconds = (performance.now() - tc4) / 1000;
    const kernelPaths = engine.takeKernelPaths(); // training, the trainer's test inference and claim 4
    // The exported graphs against the trainer's forward pass (on the onnxruntime engine its own
    // forward graphs, onnx/train/steps.ts: no tfjs is involved), test probabilities [n, 28].
    const trainer = trainerForwardPass(engine.name);
    const agreement = {
      model1: { ...compareProbs(evald.testProbs.model1, out.testProbs.model1, 28), trainer },
      model2: { ...compareProbs(evald.testProbs.model2, out.testProbs.model2, 28), trainer },
    };
    return {
      status: 'ok', seed: task.seed, backend: engine.name, backendNotes: engine.notes, kernels: engine.kernels ?? [], kernelPaths,
      seconds: (performance.now() - t0) / 1000, trainSeconds: out.trainSeconds, claim4Seconds,
      phaseSeconds: { runSeed: runSeedSeconds, export: exportSeconds, onnxEvaluate: evaluateSeconds },
      filters: out.filters, history: out.history, training: out.training, metrics: [...evald.metrics, ...claim4], onnx, agreement,
    };
  } catch (e) {
    return { status: 'failed', seed: task.seed, backend: backendName, seconds: (performance.now() - t0) / 1000, error: describeError(e) };
  } finally {
    task.port?.close();
  }
}
