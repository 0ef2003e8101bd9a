/**
 * Model-1 under Table 1: does our model-1 reproduce the paper's 0.494 (its LSTM on the two CNNs'
 * predicted labels) when trained as Table 1 says (SGD 0.01, batch 128, 100 epochs, 42k/18k/10k)?
 * Trains model-1 of one seed the way the seed task does (the same random streams, so these are
 * the epochs of a `--preset paper` study's seed): CNN1 and CNN2 for `--epochs` each, then the LSTM
 * on their predictions (model.lstmInput) for `--epochs`. Appends one JSON line per epoch (train
 * loss/accuracy, val loss/accuracy, and every `--test-every` epochs and at the end the test accuracy:
 * the digit for a CNN, the third term for the LSTM, i.e. model-1's pipeline).
 *
 *   node --import tsx bench/paper-model1.ts --epochs 100 --seed 1 --out out/paper-model1.jsonl
 *   (any config key: --set model.lstmInput=softmax; the engine: --backend wasm)
 */
import { appendFileSync } from 'node:fs';
import type { SplitName } from '../src/data/mnist.ts';
import { paperArgs, paperSetup } from './paper-run.ts';
import { initCnn, initLstm, lstmInputDim } from '../src/ml/models.ts';
import { makeRng } from '../src/rng.ts';
import { encodeLogits } from '../src/worker/seed-task.ts';
import { fit, scoreLogits } from '../src/ml/train.ts';
import type { Trainer } from '../src/ml/engine.ts';

const values = paperArgs({ out: 'out/paper-model1.jsonl', testEvery: '10' }, {});
const { cfg, data, engine } = await paperSetup('paper-model1', values, { train: { noiseFloor: false } });
const { pairs } = data;
const seed = Number(values.seed);
const testEvery = Number(values['test-every']);
const rng = (s: string) => makeRng(seed, s);
const m = cfg.model;
const head = { seed, engine: engine.name, optimizer: cfg.train.optimizer, learningRate: cfg.train.learningRate, batchSize: cfg.train.batchSize, lstmInput: m.lstmInput, nTrain: pairs.train.n };
const log = (o: object) => appendFileSync(values.out!, `${JSON.stringify({ ...head, ...o, at: new Date().toISOString() })}\n`);

/** Trains `trainer` epoch by epoch (one long fit: the shuffle stream continues), logging each epoch. */
async function epochs(network: string, trainer: Trainer, shuffleStream: string, val: ArrayLike<number>, test: ArrayLike<number>, classes: number): Promise<void> {
  const shuffle = rng(shuffleStream);
  for (let epoch = 1; epoch <= cfg.train.epochs; epoch++) {
    const { history: [rec] } = await fit(trainer, { ...cfg.train, epochs: 1, stopRule: 'fixed' }, { network, n: pairs.train.n, shuffle, valLabels: val, onProgress: () => {} });
    const testAccuracy = epoch % testEvery === 0 || epoch === cfg.train.epochs ? scoreLogits(await trainer.logits('test'), test, classes).accuracy : undefined;
    log({ type: 'epoch', network, ...rec, epoch, testAccuracy });
  }
}

log({ type: 'start' });
// The seed task's streams (src/worker/seed-task.ts): init/model1/<cnn>, dropout/model1/<cnn>, shuffle/model1/<cnn>.
const cnns = {} as Record<'cnn1' | 'cnn2', Trainer>;
for (const [network, side] of [['cnn1', 'a'], ['cnn2', 'b']] as const) {
  cnns[network] = await engine.digitCnn({ cfg, data, init: initCnn(m, rng(`init/model1/${network}`)), side, dropout: rng(`dropout/model1/${network}`) });
  const digits = (s: 'val' | 'test') => (side === 'a' ? pairs[s].digitA : pairs[s].digitB);
  await epochs(network, cnns[network], `shuffle/model1/${network}`, digits('val'), digits('test'), 10);
}
const inDim = lstmInputDim(m.lstmInput);
const inputs = {} as Record<SplitName, { a: Float32Array; b: Float32Array }>;
for (const s of ['train', 'val', 'test'] as const) inputs[s] = { a: encodeLogits(await cnns.cnn1.logits(s), m.lstmInput), b: encodeLogits(await cnns.cnn2.logits(s), m.lstmInput) };
const lstm = await engine.lstm({ cfg, data, init: initLstm(m, inDim, rng('init/model1/lstm')), inputs, inputDim: inDim });
await epochs('lstm', lstm, 'shuffle/model1/lstm', pairs.val.label, pairs.test.label, 28);
for (const t of [cnns.cnn1, cnns.cnn2, lstm]) await t.dispose();
log({ type: 'end' });
