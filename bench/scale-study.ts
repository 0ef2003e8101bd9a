/**
 * Synthetic seed folders for the scale bench: `writeSeed` (the real writer) fed with seeded random
 * filters (init and trained, both models, [K,K,1,F] kernels), 3 epochs of history per network and
 * the 18 metric rows of a real seed. No ONNX graphs (they are not read by aggregate or combining).
 */
import { resolveConfig } from '../src/config.ts';
import { studyMeta, studyPaths, writeSeed, type StudyMeta, type StudyPaths } from '../src/io/outputs.ts';
import { seedOutput } from '../src/coordinator/seed-rows.ts';
import { makeRng } from '../src/rng.ts';
import type { SeedSuccess } from '../src/worker/task.ts';

export function syntheticStudy(outDir: string, name: string): { paths: StudyPaths; meta: StudyMeta } {
  const cfg = resolveConfig([{ source: 'bench', config: { name, outDir, train: { epochs: 3 } } }]);
  const meta = studyMeta(cfg, { filterstudy: 'bench' }, { backend: 'wasm', data: [{ role: 'synthetic', sha256: '0'.repeat(64) }] }, null);
  return { paths: studyPaths(cfg), meta };
}

export function syntheticSeed(seed: number, k = 3, f = 16): SeedSuccess {
  const rng = makeRng(seed, 'bench/scale');
  const kernel = () => Float32Array.from({ length: k * k * f }, () => rng.normal() * 0.3);
  const bias = () => Float32Array.from({ length: f }, () => rng.normal() * 0.05);
  const filters: SeedSuccess['filters'] = [];
  for (const model of ['model1', 'model2'] as const) {
    for (const network of ['cnn1', 'cnn2'] as const) for (const stage of ['init', 'trained'] as const) filters.push({ model, network, stage, kernel: kernel(), bias: bias() });
  }
  const nets = [['model1', 'cnn1'], ['model1', 'cnn2'], ['model1', 'pipeline'], ['model2', 'pipeline']] as const;
  const history = nets.flatMap(([model, network]) => [1, 2, 3].map((epoch) => ({ model, network, epoch, trainLoss: 1 / epoch, trainAccuracy: 0.9, valLoss: 1 / epoch, valAccuracy: 0.9, seconds: 1, best: epoch === 3 })));
  const metrics: SeedSuccess['metrics'] = [];
  for (const split of ['train', 'val', 'test'] as const) {
    for (const model of ['model1', 'model2'] as const) {
      metrics.push({ model, network: 'pipeline', split, target: 'third', accuracy: 0.5 + 0.4 * rng.next(), loss: rng.next(), n: 1000 });
      for (const network of ['cnn1', 'cnn2']) metrics.push({ model, network, split, target: 'digit', accuracy: 0.9 + 0.09 * rng.next(), loss: rng.next(), n: 1000 });
    }
  }
  const agree: SeedSuccess['agreement']['model1'] = { rows: 0, classes: 28, argmaxMismatches: 0, decisiveMismatches: 0, firstMismatchRow: -1, maxMismatchGap: 0, maxAbsDiff: 0, tolerance: 1e-5, ok: true, trainer: 'tfjs wasm' };
  return {
    status: 'ok', seed, backend: 'wasm', backendNotes: [], kernels: [], seconds: 1, trainSeconds: { model1: 1, model2: 1 },
    filters, history, metrics, onnx: {}, agreement: { model1: agree, model2: agree },
    training: nets.map(([model, network]) => ({ model, network, epochsRun: 3, bestEpoch: 3, stopReason: 'fixed' as const, metStopRule: true })),
  };
}

/** Writes seeds 1..n as finished seed folders. */
export function writeSyntheticSeeds(paths: StudyPaths, meta: StudyMeta, n: number): void {
  for (let s = 1; s <= n; s++) writeSeed(paths, seedOutput(syntheticSeed(s), meta.config), meta);
}
