/**
 * The Piscina task: one seed → trained filters, history, ONNX graphs and onnxruntime metrics.
 * The backend and the data are loaded once per worker thread and reused by its later tasks.
 * A failure is returned as data (not thrown) so that only this seed is marked failed, with its
 * error code and hint intact across the thread boundary.
 */
import type { MessagePort } from 'node:worker_threads';
import type { StudyConfig } from '../config.ts';
import { FilterstudyError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { loadEngine } from './engine-load.ts';
import { loadMnist, makePairs, splitMnist } from './mnist.ts';
import { exportCnn, exportLstm, exportModel1, exportModel2, type OnnxMeta } from './onnx/export.ts';
import { compareProbs, loadSession, type Agreement } from './onnx/ort.ts';
import { claim4Metrics } from './claim4.ts';
import { onnxMetrics } from './onnx-eval.ts';
import { runSeed, type FilterSet, type HistoryRow, type MetricRow, type ModelName, type NetworkTraining, type SeedData } from './seed-task.ts';
import type { Progress } from './train.ts';

export interface SeedTask {
  cfg: StudyConfig;
  seed: number;
  studyId: string;
  configHash: string;
  versions: Record<string, string>;
  /** Progress messages go here (transferred to the worker with the task). */
  port?: MessagePort;
}

export interface ProgressMessage extends Progress { type: 'progress'; seed: number; model: ModelName }

export interface SeedSuccess {
  status: 'ok';
  seed: number;
  backend: string;
  backendNotes: string[];
  kernels: string[];
  seconds: number;
  trainSeconds: Record<ModelName, number>;
  /** Wall time of the claim-4 measurements (4 CNN forward passes over val/test/train images and 4 probes). */
  claim4Seconds?: number;
  filters: FilterSet[];
  history: HistoryRow[];
  /** How each network's training ended (stop rule). */
  training: NetworkTraining[];
  metrics: MetricRow[];
  /** file name → ONNX bytes */
  onnx: Record<string, Uint8Array>;
  /** onnxruntime vs tfjs on the test pairs, per model. */
  agreement: Record<ModelName, Agreement>;
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
  const d = cfg.data;
  const key = JSON.stringify(d);
  if (dataCache?.key === key) return dataCache.data;
  const mnist = loadMnist({ dataDir: d.dir ?? undefined, verify: d.verify });
  const limit = { train: d.limit.train ?? undefined, val: d.limit.val ?? undefined, test: d.limit.test ?? undefined };
  const splits = splitMnist(mnist, { dataSeed: d.dataSeed, trainSize: d.trainSize, valSize: d.valSize, limit });
  // Shuffled pairing draws its partner permutation from the data seed: the same pairs for every seed.
  const pairs = {
    train: makePairs(splits.train, { pairing: d.pairing, seed: d.dataSeed }),
    val: makePairs(splits.val, { pairing: d.pairing, seed: d.dataSeed }),
    test: makePairs(splits.test, { pairing: d.pairing, seed: d.dataSeed }),
  };
  dataCache = { key, data: { splits, pairs }, source: mnist.source };
  return dataCache.data;
}

function describeError(e: unknown): SeedFailure['error'] {
  if (e instanceof FilterstudyError) return { ...e.toJSON(), stack: e.stack };
  const err = e instanceof Error ? e : new Error(String(e));
  return { code: 'E_TRAIN', message: err.message, stack: err.stack };
}

export default async function runSeedTask(task: SeedTask): Promise<SeedResult> {
  const t0 = performance.now();
  let backendName: string | null = null;
  try {
    enginePromise ??= loadEngine(task.cfg.runtime.backend);
    const engine = await enginePromise;
    backendName = engine.name;
    const data = seedData(task.cfg);
    // Fault injection for failure-isolation tests: FILTERSTUDY_FAIL_SEEDS=2,5 fails those seeds.
    if ((process.env.FILTERSTUDY_FAIL_SEEDS ?? '').split(',').includes(String(task.seed))) {
      throw new FilterstudyError('E_TRAIN', `seed ${task.seed}: failure injected by FILTERSTUDY_FAIL_SEEDS`, { hint: 'unset FILTERSTUDY_FAIL_SEEDS' });
    }
    const post = (p: Progress & { model: ModelName }) => task.port?.postMessage({ type: 'progress', seed: task.seed, ...p } satisfies ProgressMessage);

    // ---- train both models ----
    const out = await runSeed(engine, task.cfg, task.seed, data, post);

    // ---- export to ONNX, then compute every metric with onnxruntime from the exported files ----
    const m = task.cfg.model;
    const w1 = out.weights.model1;
    const w2 = out.weights.model2;
    const exportAll = (acc: (model: ModelName, network: string) => number | undefined): Record<string, Uint8Array> => {
      const meta = (model: ModelName, network: string): OnnxMeta => ({
        seed: task.seed, model, network, studyId: task.studyId, configHash: task.configHash, versions: task.versions, testAccuracy: acc(model, network),
      });
      return {
        'model1.onnx': exportModel1(w1.cnn1, w1.cnn2, w1.lstm, m, meta('model1', 'pipeline')),
        'model2.onnx': exportModel2(w2.cnn1, w2.cnn2, w2.lstm, m, meta('model2', 'pipeline')),
        'model1-cnn1.onnx': exportCnn(w1.cnn1, m, meta('model1', 'cnn1')),
        'model1-cnn2.onnx': exportCnn(w1.cnn2, m, meta('model1', 'cnn2')),
        'model1-lstm.onnx': exportLstm(w1.lstm, m, meta('model1', 'lstm')),
      };
    };
    let onnx = exportAll(() => undefined);
    const sessions = { model1: await loadSession(onnx['model1.onnx']), model2: await loadSession(onnx['model2.onnx']) };
    let evald;
    try {
      evald = await onnxMetrics(sessions, data, task.cfg.train.evalBatchSize);
    } finally {
      await Promise.all(Object.values(sessions).map((s) => s.release()));
    }
    // The files we keep carry their test accuracy in metadata_props (the LSTM's is model-1's pipeline).
    const testAcc = (model: ModelName, network: string) =>
      evald.metrics.find((r) => r.split === 'test' && r.model === model && r.network === (network === 'lstm' ? 'pipeline' : network))?.accuracy;
    onnx = exportAll(testAcc);
    // ---- claim 4: each CNN's digit accuracy up to relabelling and a linear probe (not training time) ----
    const tc4 = performance.now();
    const claim4 = await claim4Metrics(engine, task.cfg, data, task.seed, out.weights, out.rerunWeights);
    const claim4Seconds = (performance.now() - tc4) / 1000;
    const agreement = {
      model1: compareProbs(evald.testProbs.model1, out.testProbs.model1, 28),
      model2: compareProbs(evald.testProbs.model2, out.testProbs.model2, 28),
    };
    return {
      status: 'ok', seed: task.seed, backend: engine.name, backendNotes: engine.notes, kernels: engine.kernels ?? [],
      seconds: (performance.now() - t0) / 1000, trainSeconds: out.trainSeconds, claim4Seconds,
      filters: out.filters, history: out.history, training: out.training, metrics: [...evald.metrics, ...claim4], onnx, agreement,
    };
  } catch (e) {
    return { status: 'failed', seed: task.seed, backend: backendName, seconds: (performance.now() - t0) / 1000, error: describeError(e) };
  } finally {
    task.port?.close();
  }
}
