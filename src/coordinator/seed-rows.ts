/**
 * A finished seed task's result → the plain rows the study-folder writer takes (io/schema.ts).
 * S_i is computed here, with stats/similarity, so that io only writes what it is handed.
 */
import type { StudyConfig } from '../config.ts';
import type { SeedOutput } from '../io/outputs.ts';
import type { FilterRow, HistoryRow, MetricRow, SimilarityRow } from '../io/schema.ts';
import { kernelToFilters, seedSimilarity, type FilterRef } from '../stats/similarity.ts';
import type { SeedSuccess } from '../worker/task.ts';

/**
 * The training of the network a metrics row measures: a model-1 CNN row → that CNN; a pipeline
 * row → the network trained last (model-1's LSTM, model-2 end to end); model-2's cnn1/cnn2 rows →
 * none (those CNNs are not trained on their own).
 */
export function trainingOf(r: SeedSuccess, model: string, network: string): SeedSuccess['training'][number] | null {
  const trained = model === 'model1' || network === 'pipeline' ? network : null;
  return r.training.find((t) => t.model === model && t.network === trained) ?? null;
}

/** One row per filter: each set's tfjs kernel [K,K,1,F] split into F filters of K·K weights. */
function filterRows(r: SeedSuccess, k: number, f: number): FilterRow[] {
  return r.filters.flatMap((set) => kernelToFilters(set.kernel, k, f).map((weights, j) => ({
    seed: r.seed, model: set.model, network: set.network, stage: set.stage, filterIndex: j, weights, bias: set.bias[j],
  })));
}

function metricRows(r: SeedSuccess): MetricRow[] {
  return r.metrics.map((x) => {
    const t = trainingOf(r, x.model, x.network);
    return {
      seed: r.seed, model: x.model, network: x.network, split: x.split, target: x.target, accuracy: x.accuracy, loss: x.loss, n: x.n,
      trainSeconds: r.trainSeconds[x.model], backend: r.backend,
      epochsRun: t?.epochsRun ?? null, bestEpoch: t?.bestEpoch ?? null, stopReason: t?.stopReason ?? null, metStopRule: t?.metStopRule ?? null,
    };
  });
}

function historyRows(r: SeedSuccess): HistoryRow[] {
  return r.history.map((x) => ({
    seed: r.seed, model: x.model, network: x.network, epoch: x.epoch, trainLoss: x.trainLoss, trainAccuracy: x.trainAccuracy,
    valLoss: x.valLoss, valAccuracy: x.valAccuracy, seconds: x.seconds, best: x.best,
  }));
}

/** S_i of every comparison of the seed (stats/similarity.ts), as similarity.arrow rows. */
function similarityRows(r: SeedSuccess, k: number, f: number): SimilarityRow[] {
  const get = (ref: FilterRef) => {
    const set = r.filters.find((s) => s.model === ref.model && s.network === ref.network && s.stage === ref.stage);
    return set ? kernelToFilters(set.kernel, k, f) : null;
  };
  return seedSimilarity(get).map((x) => ({
    seed: r.seed, comparison: x.comparison, refModel: x.ref.model, refNetwork: x.ref.network, refStage: x.ref.stage,
    otherModel: x.other.model, otherNetwork: x.other.network, otherStage: x.other.stage, i: x.i, s: x.s, argmin: x.argmin,
  }));
}

/** What writeSeed (io/outputs.ts) takes for a finished seed of a study with config `cfg`. */
export function seedOutput(r: SeedSuccess, cfg: StudyConfig): SeedOutput {
  const k = cfg.model.kernelSize;
  const f = cfg.model.filters;
  return {
    seed: r.seed,
    backend: r.backend,
    tables: { filters: filterRows(r, k, f), metrics: metricRows(r), history: historyRows(r), similarity: similarityRows(r, k, f) },
    onnx: r.onnx,
    record: {
      backendNotes: r.backendNotes, kernels: r.kernels, kernelPaths: r.kernelPaths ?? null, seconds: r.seconds, trainSeconds: r.trainSeconds,
      claim4Seconds: r.claim4Seconds ?? null, exportVsTrainer: r.agreement,
    },
  };
}
