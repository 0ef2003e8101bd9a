/**
 * The tfjs engine runs inference in chunks of at most TFJS_INFER_CHUNK rows on wasm (to keep the
 * wasm heap small). That is only allowed because chunking does not change a bit: here the chunked
 * logits of a trained CNN and of model-2 equal one forward pass over all rows at once.
 */
import * as tf from '../src/ml/tfjs.ts';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, type StudyConfig } from '../src/config.ts';
import { loadEngine } from '../src/worker/engine-load.ts';
import { TFJS_INFER_CHUNK } from '../src/ml/engine-tfjs.ts';
import { loadMnist, makePairs, splitMnist } from '../src/data/mnist.ts';
import { DIGITS, cnnLogits, disposeParams, initCnn, initLstm, model2Logits, toVariables } from '../src/ml/models.ts';
import { makeRng } from '../src/rng.ts';
import type { SeedData } from '../src/data/mnist.ts';
import { imageBatch } from '../src/ml/train.ts';

const N = 2 * TFJS_INFER_CHUNK + 37; // two full chunks and a short one
const cfg: StudyConfig = { ...DEFAULTS, train: { ...DEFAULTS.train, evalBatchSize: 1000, batchSize: 64 } };

function data(): SeedData {
  const splits = splitMnist(loadMnist({ verify: false }), { dataSeed: 3, trainSize: 42000, valSize: 18000, limit: { train: N, val: N, test: N } });
  const pairs = { train: makePairs(splits.train, { pairing: 'reversed' }), val: makePairs(splits.val, { pairing: 'reversed' }), test: makePairs(splits.test, { pairing: 'reversed' }) };
  return { splits, pairs };
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe('tfjs engine inference chunks (wasm)', () => {
  it('chunked logits equal one pass over all rows, bit for bit', async () => {
    const engine = await loadEngine('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const d = data();
    const m = cfg.model;
    const rng = makeRng(4, 'test/chunk');
    const all = Int32Array.from({ length: N }, (_, i) => i);
    const steps = async (t: { step(idx: Int32Array): Promise<unknown> }) => {
      for (let s = 0; s < 3; s++) await t.step(Int32Array.from({ length: 64 }, (_, i) => (s * 64 + i) % N));
    };

    const cnn = await engine.digitCnn({ cfg, data: d, init: initCnn(m, rng), side: 'a', dropout: makeRng(4, 'drop') });
    await steps(cnn);
    const wc = (await cnn.weights()).cnn;
    const p = toVariables(tf, wc, 'chunk-test/cnn');
    const oneShot = tf.tidy(() => cnnLogits(tf, p, imageBatch(tf, d.splits.val.images, all), m).dataSync() as Float32Array).slice();
    expect(same(await cnn.logits('val'), oneShot)).toBe(true);
    expect(same((await engine.cnnForward(cfg, wc, d.splits.val.images, all)).logits, oneShot)).toBe(true);
    disposeParams(p);
    await cnn.dispose();

    const m2 = await engine.model2({ cfg, data: d, init: { cnn1: initCnn(m, rng), cnn2: initCnn(m, rng), lstm: initLstm(m, DIGITS, rng) }, dropoutA: makeRng(4, 'a'), dropoutB: makeRng(4, 'b') });
    await steps(m2);
    const w2 = await m2.weights();
    const q = { cnn1: toVariables(tf, w2.cnn1, 'chunk-test/c1'), cnn2: toVariables(tf, w2.cnn2, 'chunk-test/c2'), lstm: toVariables(tf, w2.lstm, 'chunk-test/l') };
    const pr = d.pairs.test;
    const oneShot2 = tf.tidy(() => model2Logits(tf, q, imageBatch(tf, d.splits.test.images, pr.a), imageBatch(tf, d.splits.test.images, pr.b), m).dataSync() as Float32Array).slice();
    expect(same(await m2.logits('test'), oneShot2)).toBe(true);
    Object.values(q).forEach(disposeParams);
    await m2.dispose();
  });
});
