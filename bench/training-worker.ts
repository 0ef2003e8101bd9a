/**
 * One benchmark thread: the study's real training steps (models.ts + train.ts's minimize loop) on
 * real MNIST pairs, timed after warm-up. Returns CNN images/s and model-2 pairs/s.
 */
import { DEFAULTS, type BackendName } from '../src/config.ts';
import { loadBackend } from '../src/worker/backend.ts';
import { loadMnist, makePairs, splitMnist } from '../src/worker/mnist.ts';
import { DIGITS, THIRD_CLASSES, cnnLogits, disposeParams, dropoutMask, initCnn, initLstm, model2Logits, toVariables } from '../src/worker/models.ts';
import { makeRng } from '../src/worker/rng.ts';
import { imageBatch, labelBatch, lossAndCorrect, makeOptimizer } from '../src/worker/train.ts';

export interface BenchResult { backend: string; cnnImagesPerSec: number; model2PairsPerSec: number }

export default async function bench(o: { backend: BackendName; steps: number; batch: number }): Promise<BenchResult> {
  const { tf, name } = await loadBackend(o.backend);
  const m = DEFAULTS.model;
  const train = { ...DEFAULTS.train, batchSize: o.batch };
  const mnist = loadMnist();
  const split = splitMnist(mnist, { dataSeed: 1, trainSize: 42000, valSize: 18000, limit: { train: o.batch * 8 } }).train;
  const pairs = makePairs(split, { pairing: 'reversed' });
  const rng = makeRng(1, 'bench');
  const idxOf = (s: number) => Int32Array.from({ length: o.batch }, (_, i) => (s * o.batch + i) % pairs.n);

  const time = (step: (s: number) => void) => {
    for (let s = 0; s < 3; s++) step(s); // warm-up: kernel setup, JIT
    const t0 = performance.now();
    for (let s = 0; s < o.steps; s++) step(s);
    return (o.steps * o.batch) / ((performance.now() - t0) / 1000);
  };

  // CNN: x[B,28,28,1] → digit, dropout on (as model-1's CNN training)
  const cnn = toVariables(tf, initCnn(m, rng), 'bench/cnn');
  const opt1 = makeOptimizer(tf, train);
  const cnnImagesPerSec = time((s) => {
    const idx = idxOf(s);
    const loss = opt1.minimize(() => lossAndCorrect(tf, cnnLogits(tf, cnn, imageBatch(tf, split.images, idx), m, dropoutMask(tf, o.batch, m, rng)), labelBatch(tf, pairs.digitA, idx, DIGITS)).loss, true, Object.values(cnn))!;
    loss.dataSync();
    loss.dispose();
  });

  // model-2: two CNNs → LSTM → third term, end to end
  const p = { cnn1: toVariables(tf, initCnn(m, rng), 'bench/m2c1'), cnn2: toVariables(tf, initCnn(m, rng), 'bench/m2c2'), lstm: toVariables(tf, initLstm(m, DIGITS, rng), 'bench/m2l') };
  const opt2 = makeOptimizer(tf, train);
  const model2PairsPerSec = time((s) => {
    const idx = idxOf(s);
    const loss = opt2.minimize(() => {
      const xa = imageBatch(tf, split.images, Array.from(idx, (i) => pairs.a[i]));
      const xb = imageBatch(tf, split.images, Array.from(idx, (i) => pairs.b[i]));
      const masks = { a: dropoutMask(tf, o.batch, m, rng), b: dropoutMask(tf, o.batch, m, rng) };
      return lossAndCorrect(tf, model2Logits(tf, p, xa, xb, m, masks), labelBatch(tf, pairs.label, idx, THIRD_CLASSES)).loss;
    }, true, [...Object.values(p.cnn1), ...Object.values(p.cnn2), ...Object.values(p.lstm)])!;
    loss.dataSync();
    loss.dispose();
  });
  // The thread is reused for the next run: free the variables (their names must be unique).
  for (const params of [cnn, p.cnn1, p.cnn2, p.lstm]) disposeParams(params);
  opt1.dispose();
  opt2.dispose();
  return { backend: name, cnnImagesPerSec, model2PairsPerSec };
}
