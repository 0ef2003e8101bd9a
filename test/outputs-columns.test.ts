/** The stop-rule and claim-4 columns survive writeSeed → combineSeeds → readArrowFile / loadStudy. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArrowFile } from '../src/io/arrow.ts';
import { combineSeeds, studyMeta, studyPaths, writeSeed, prepareStudyDir } from '../src/io/outputs.ts';
import { loadStudy } from '../src/io/load.ts';
import { seedOutput } from '../src/coordinator/seed-rows.ts';
import type { MetricRow } from '../src/ml/records.ts';
import type { SeedSuccess } from '../src/worker/task.ts';
import { tempDir, tinyConfig } from './helpers.ts';

function fakeSeed(seed: number, k: number, f: number): SeedSuccess {
  const kernel = (v: number) => Float32Array.from({ length: k * k * f }, (_, i) => v + i / 100);
  const filters = (['model1', 'model2'] as const).flatMap((model) =>
    (['cnn1', 'cnn2'] as const).flatMap((network) => (['init', 'trained'] as const).map((stage) => ({ model, network, stage, kernel: kernel(seed + (stage === 'init' ? 0 : 1)), bias: new Float32Array(f) }))),
  );
  const metrics: MetricRow[] = [];
  for (const model of ['model1', 'model2'] as const) {
    metrics.push({ model, network: 'pipeline', split: 'test', target: 'third', accuracy: 0.9, loss: 0.3, n: 10 });
    for (const network of ['cnn1', 'cnn2']) {
      metrics.push({ model, network, split: 'test', target: 'digit', accuracy: 0.95, loss: 0.2, n: 10 });
      metrics.push({ model, network, split: 'test', target: 'digit_relabelled', accuracy: 0.97, loss: 0.1, n: 10 });
    }
  }
  const rec = (epoch: number, best: boolean) => ({ epoch, trainLoss: 1, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.5, seconds: 1, best });
  return {
    status: 'ok', seed, backend: 'wasm', backendNotes: [], kernels: [], seconds: 1, trainSeconds: { model1: 1, model2: 1 }, filters,
    history: [{ model: 'model1', network: 'cnn1', ...rec(1, true) }, { model: 'model1', network: 'cnn1', ...rec(2, false) }],
    training: [
      { model: 'model1', network: 'cnn1', epochsRun: 2, bestEpoch: 1, stopReason: 'plateau', metStopRule: true },
      { model: 'model1', network: 'cnn2', epochsRun: 5, bestEpoch: 5, stopReason: 'max_epochs', metStopRule: false },
      { model: 'model1', network: 'pipeline', epochsRun: 3, bestEpoch: 3, stopReason: 'fixed', metStopRule: true },
      { model: 'model2', network: 'pipeline', epochsRun: 4, bestEpoch: 2, stopReason: 'plateau', metStopRule: true },
    ],
    metrics, onnx: {}, agreement: { model1: { maxAbsDiff: 0, argmaxAgreement: 1 }, model2: { maxAbsDiff: 0, argmaxAgreement: 1 } } as never,
  };
}

describe('stop-rule columns', () => {
  it('round-trip through the per-seed and combined Arrow files and the stats loader', () => {
    const cfg = tinyConfig({ outDir: tempDir(), name: 'cols', model: { filters: 2, kernelSize: 3 } });
    const paths = studyPaths(cfg);
    const meta = studyMeta(cfg, {}, { backend: 'wasm', data: [] }, null);
    prepareStudyDir(paths, meta);
    for (const s of [1, 2]) writeSeed(paths, seedOutput(fakeSeed(s, 3, 2), cfg), meta);
    combineSeeds(paths, meta);

    const h = readArrowFile(join(paths.root, 'history.arrow'));
    expect(String(h.schema.fields.find((x) => x.name === 'best')!.type)).toBe('Bool');
    expect(Array.from({ length: h.numRows }, (_, i) => h.getChild('best')!.get(i))).toEqual([true, false, true, false]);

    const m = readArrowFile(join(paths.root, 'metrics.arrow'));
    const types = Object.fromEntries(m.schema.fields.map((x) => [x.name, String(x.type)]));
    expect(types).toMatchObject({ epochs_run: 'Int32', best_epoch: 'Int32', stop_reason: 'Utf8', met_stop_rule: 'Bool' });

    const rows = loadStudy(paths.root).metrics.filter((r) => r.seed === 1);
    const get = (model: string, network: string, target: string) => rows.find((r) => r.model === model && r.network === network && r.target === target)!;
    expect(get('model1', 'cnn1', 'digit')).toMatchObject({ epochsRun: 2, bestEpoch: 1, stopReason: 'plateau', metStopRule: true });
    expect(get('model1', 'cnn2', 'digit_relabelled')).toMatchObject({ epochsRun: 5, bestEpoch: 5, stopReason: 'max_epochs', metStopRule: false });
    expect(get('model1', 'pipeline', 'third')).toMatchObject({ epochsRun: 3, stopReason: 'fixed', metStopRule: true }); // model-1's LSTM
    expect(get('model2', 'pipeline', 'third')).toMatchObject({ epochsRun: 4, bestEpoch: 2, stopReason: 'plateau' });
    // model-2's CNNs are not trained on their own: null, not a made-up value
    expect(get('model2', 'cnn1', 'digit')).toMatchObject({ epochsRun: null, bestEpoch: null, stopReason: null, metStopRule: null });
  });
});
