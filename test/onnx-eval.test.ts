/**
 * src/onnx/eval.ts: the seed's metrics from the exported graphs equal an independent computation —
 * each model's graph run on its own over the whole split (ort.ts runProbs, one batch), scored the
 * same way — exactly, whatever the evaluation batch size, and in the study's row order.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULTS, type StudyConfig } from '../src/config.ts';
import { loadMnist, makePairs, splitMnist } from '../src/data/mnist.ts';
import { DIGITS, initCnn, initLstm, lstmInputDim } from '../src/ml/models.ts';
import { exportModel1, exportModel2, type OnnxMeta } from '../src/onnx/export.ts';
import { loadSession, runProbs, type Session } from '../src/onnx/ort.ts';
import { onnxMetrics, scoreProbs } from '../src/onnx/eval.ts';
import { makeRng } from '../src/rng.ts';
import type { SeedData, SplitName } from '../src/data/mnist.ts';
import type { ModelName } from '../src/ml/records.ts';

const m: StudyConfig['model'] = { ...DEFAULTS.model, filters: 4, denseUnits: 16, lstmUnits: 8 };
const META: OnnxMeta = { seed: 1, model: 'model1', network: 'pipeline', studyId: 'eval', configHash: '-', versions: {} };
const SPLITS: SplitName[] = ['train', 'val', 'test'];

function tinyData(pairing: 'reversed' | 'shuffled'): SeedData {
  const splits = splitMnist(loadMnist({ verify: false }), { dataSeed: 5, trainSize: 42000, valSize: 18000, limit: { train: 37, val: 23, test: 41 } });
  const pairs = Object.fromEntries(SPLITS.map((s) => [s, makePairs(splits[s], { pairing, seed: 9 })])) as SeedData['pairs'];
  return { splits, pairs };
}

/** The split's pair images as two [n,28,28,1] float inputs, built here without onnx/eval.ts's helpers. */
function splitInputs(data: SeedData, split: SplitName) {
  const pr = data.pairs[split];
  const img = data.splits[split].images;
  const side = (idx: Int32Array) => Float32Array.from({ length: pr.n * 784 }, (_, k) => img[idx[Math.floor(k / 784)] * 784 + (k % 784)] / 255);
  return { image_a: { data: side(pr.a), dims: [pr.n, 28, 28, 1] }, image_b: { data: side(pr.b), dims: [pr.n, 28, 28, 1] } };
}

async function sessionsFor(seed: number): Promise<Record<ModelName, Session>> {
  const rng = makeRng(seed, 'test/onnx-eval');
  const [a, b, c, d] = [initCnn(m, rng), initCnn(m, rng), initCnn(m, rng), initCnn(m, rng)];
  for (const w of [a, b, c, d]) w.dense2Bias.data = Float32Array.from(w.dense2Bias.data, () => rng.next() - 0.5);
  return {
    model1: await loadSession(exportModel1(a, b, initLstm(m, lstmInputDim(m.lstmInput), rng), m, META)),
    model2: await loadSession(exportModel2(c, d, initLstm(m, DIGITS, rng), m, { ...META, model: 'model2' })),
  };
}

describe('onnxMetrics', () => {
  for (const pairing of ['reversed', 'shuffled'] as const) {
    it(`equals each graph run alone on whole splits (${pairing} pairs, batches 7 and 1000)`, async () => {
      const data = tinyData(pairing);
      const sessions = await sessionsFor(pairing === 'reversed' ? 1 : 2);
      try {
        const expected = [];
        const expectedTest: Record<string, Float32Array> = {};
        for (const model of ['model1', 'model2'] as const) {
          for (const split of SPLITS) {
            const pr = data.pairs[split];
            const feeds = splitInputs(data, split);
            const probs = await runProbs(sessions[model], feeds, 'probs', pr.n);
            if (split === 'test') expectedTest[model] = probs;
            expected.push(
              { model, network: 'pipeline', split, target: 'third', n: pr.n, ...scoreProbs(probs, pr.label, 28) },
              { model, network: 'cnn1', split, target: 'digit', n: pr.n, ...scoreProbs(await runProbs(sessions[model], feeds, 'digit_a_probs', pr.n), pr.digitA, 10) },
              { model, network: 'cnn2', split, target: 'digit', n: pr.n, ...scoreProbs(await runProbs(sessions[model], feeds, 'digit_b_probs', pr.n), pr.digitB, 10) },
            );
          }
        }
        for (const batch of [7, 1000]) {
          const got = await onnxMetrics(sessions, data, batch);
          expect(got.metrics).toEqual(expected);
          expect(Array.from(got.testProbs.model1)).toEqual(Array.from(expectedTest.model1));
          expect(Array.from(got.testProbs.model2)).toEqual(Array.from(expectedTest.model2));
        }
      } finally {
        await Promise.all(Object.values(sessions).map((s) => s.release()));
      }
    });
  }
});
