/**
 * Which reading of "the CNN outputs go directly into the LSTM" reproduces Table 2 under Table 1?
 * Trains model-2 alone (the study's seed task trains model-1 first, which this question does not
 * need) with the `paper` preset (SGD 0.01, batch 128, 42k/18k/10k) and one model.model2Input, and
 * appends one JSON line per epoch: train loss/accuracy, val loss/accuracy, and test accuracy
 * every `--test-every` epochs and at the end.
 *
 *   node --import tsx bench/paper-readings.ts --reading logits --epochs 100 --seed 1 --out out/readings-logits.jsonl
 *   (any config key: --set train.learningRate=0.01; the engine: --backend wasm)
 */
import { appendFileSync } from 'node:fs';
import type { Model2Input } from '../src/config.ts';
import { paperArgs, paperSetup } from './paper-run.ts';
import { initCnn, initLstm, model2InputDim } from '../src/ml/models.ts';
import { makeRng } from '../src/rng.ts';
import { fit, scoreLogits } from '../src/ml/train.ts';

const values = paperArgs({ out: 'out/paper-readings.jsonl', testEvery: '5' }, {
  reading: { type: 'string', default: 'softmax' },
  /** 'model2' (default) or 'cnn1': model-1's CNN1 alone (digit of image a), for stop-rule choices. */
  network: { type: 'string', default: 'model2' },
});
const { cfg, data, engine } = await paperSetup('paper-readings', values, { model: { model2Input: values.reading as Model2Input } });
const { pairs } = data;
const seed = Number(values.seed);
const testEvery = Number(values['test-every']);
const rng = (s: string) => makeRng(seed, s);
const m = cfg.model;
// The same streams as the seed task's model-2, so epoch k here is epoch k of a study's seed.
const cnn = values.network === 'cnn1';
const trainer = cnn
  ? await engine.digitCnn({ cfg, data, init: initCnn(m, rng('init/model1/cnn1')), side: 'a', dropout: rng('dropout/model1/cnn1') })
  : await engine.model2({
    cfg, data,
    init: { cnn1: initCnn(m, rng('init/model2/cnn1')), cnn2: initCnn(m, rng('init/model2/cnn2')), lstm: initLstm(m, model2InputDim(m), rng('init/model2/lstm')) },
    dropoutA: rng('dropout/model2/cnn1'), dropoutB: rng('dropout/model2/cnn2'),
  });
const shuffle = rng(cnn ? 'shuffle/model1/cnn1' : 'shuffle/model2');
const [valLabels, testLabels, classes] = cnn ? [pairs.val.digitA, pairs.test.digitA, 10] : [pairs.val.label, pairs.test.label, 28];
const head = { network: values.network, reading: m.model2Input, seed, engine: engine.name, optimizer: cfg.train.optimizer, learningRate: cfg.train.learningRate, batchSize: cfg.train.batchSize, nTrain: pairs.train.n };
appendFileSync(values.out!, `${JSON.stringify({ type: 'start', ...head, at: new Date().toISOString() })}\n`);
for (let epoch = 1; epoch <= cfg.train.epochs; epoch++) {
  // fit with epochs = 1, repeatedly: the shuffle stream continues, so this is one long fit.
  const { history: [rec] } = await fit(trainer, { ...cfg.train, epochs: 1, stopRule: 'fixed' }, { network: String(values.network), n: pairs.train.n, shuffle, valLabels, onProgress: () => {} });
  const test = epoch % testEvery === 0 || epoch === cfg.train.epochs ? scoreLogits(await trainer.logits('test'), testLabels, classes).accuracy : undefined;
  appendFileSync(values.out!, `${JSON.stringify({ type: 'epoch', ...head, ...rec, epoch, testAccuracy: test, at: new Date().toISOString() })}\n`);
}
await trainer.dispose();
