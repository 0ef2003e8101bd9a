/**
 * Model-1's LSTM alone on the one-hot of the TRUE digits (an upper bound for the inputs of
 * ~0.98-accurate CNNs), with the quick preset's optimiser: how many epochs it needs to learn the
 * (a, b) → 2b − a map. One JSON line per epoch.
 *
 *   node --import tsx bench/lstm-true-digits.ts [learningRate=0.001]
 */
import { resolveConfig } from '../src/config.ts';
import { loadEngine } from '../src/worker/engine-load.ts';
import { loadMnist, makePairs, splitMnist } from '../src/data/mnist.ts';
import { initLstm } from '../src/ml/models.ts';
import { makeRng } from '../src/rng.ts';
import { fit, scoreLogits } from '../src/ml/train.ts';
const lr = Number(process.argv[2] ?? 0.001);
const cfg = resolveConfig([{ source: 'x', config: { preset: 'paper', data: { limit: { val: 6000 } }, train: { optimizer: 'adam', learningRate: lr, batchSize: 64, epochs: 1, stopRule: 'fixed' }, runtime: { backend: 'wasm' } } }]);
const d = cfg.data;
const splits = splitMnist(loadMnist({}), { dataSeed: d.dataSeed, trainSize: d.trainSize, valSize: d.valSize, limit: { val: 6000 } });
const pairs = { train: makePairs(splits.train, { pairing: 'reversed' }), val: makePairs(splits.val, { pairing: 'reversed' }), test: makePairs(splits.test, { pairing: 'reversed' }) };
const oh = (digits: Uint8Array) => { const o = new Float32Array(digits.length * 10); digits.forEach((v, i) => (o[i * 10 + v] = 1)); return o; };
const inputs = Object.fromEntries((['train', 'val', 'test'] as const).map((s) => [s, { a: oh(pairs[s].digitA), b: oh(pairs[s].digitB) }])) as never;
const engine = await loadEngine('wasm');
const tr = await engine.lstm({ cfg, data: { splits, pairs }, init: initLstm(cfg.model, 10, makeRng(1, 'init/model1/lstm')), inputs, inputDim: 10 });
const shuffle = makeRng(1, 'shuffle/model1/lstm');
for (let e = 1; e <= 12; e++) {
  const t0 = performance.now();
  const { history: [r] } = await fit(tr, cfg.train, { network: 'lstm', n: pairs.train.n, shuffle, valLabels: pairs.val.label, onProgress: () => {} });
  const test = scoreLogits(await tr.logits('test'), pairs.test.label, 28).accuracy;
  console.log(JSON.stringify({ lr, epoch: e, valLoss: +r.valLoss.toFixed(4), valAcc: +r.valAccuracy.toFixed(4), test, s: +((performance.now() - t0) / 1000).toFixed(1) }));
}
