/**
 * Inference throughput (images/s) of one CNN (the study's default config, seeded random weights
 * with random biases) on real MNIST test images: onnxruntime-node with 1 intra-op thread vs tfjs
 * `predict` (softmax(cnnLogits)) on the 'cpu' backend and, if it loads, 'wasm'.
 *
 *   npx tsx bench/inference.ts [--batch 1000] [--seconds 3]
 *
 * Each backend: warm-up batches, then whole batches for at least --seconds; every backend's
 * probabilities are also compared with ORT's (same argmax, max |Δprob|).
 */
import os from 'node:os';
import * as tf from '../src/ml/tfjs.ts';
import { DEFAULTS } from '../src/config.ts';
import { cnnLogits, disposeParams, initCnn, toVariables } from '../src/ml/models.ts';
import { loadMnist } from '../src/data/mnist.ts';
import { makeRng } from '../src/rng.ts';
import { exportCnn } from '../src/onnx/export.ts';
import { compareProbs, loadSession, runProbs } from '../src/onnx/ort.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const BATCH = arg('batch', 1000);
const SECONDS = arg('seconds', 3);

const m = DEFAULTS.model;
const rng = makeRng(1, 'bench/inference');
const w = initCnn(m, rng);
for (const k of ['convBias', 'dense1Bias', 'dense2Bias']) w[k].data = Float32Array.from(w[k].data, () => rng.next() - 0.5);

const mnist = loadMnist({ verify: false });
const x = Float32Array.from(mnist.testImages.subarray(0, BATCH * 784), (v) => v / 255);

async function timeIt(run: () => Promise<unknown> | unknown): Promise<{ imagesPerSec: number; batches: number; seconds: number }> {
  for (let i = 0; i < 2; i++) await run(); // warm-up
  let batches = 0;
  const t0 = performance.now();
  let dt = 0;
  do {
    await run();
    batches++;
    dt = (performance.now() - t0) / 1000;
  } while (dt < SECONDS);
  return { imagesPerSec: (batches * BATCH) / dt, batches, seconds: dt };
}

const rows: { backend: string; imagesPerSec: number; batches: number; seconds: number; vsOrt: string }[] = [];

// ---- onnxruntime-node ----
const session = await loadSession(exportCnn(w, m, { seed: 1, model: 'model1', network: 'cnn1', studyId: 'bench', configHash: '-', versions: {} }), { intraOpThreads: 1 });
const feeds = { image: { data: x, dims: [BATCH, 28, 28, 1] } };
const ortProbs = await runProbs(session, feeds, 'probs', BATCH);
rows.push({ backend: 'onnxruntime-node 1.30 (1 intra-op thread)', ...(await timeIt(() => runProbs(session, feeds, 'probs', BATCH))), vsOrt: '—' });
await session.release();

// ---- tfjs ----
async function benchTfjs(backend: string): Promise<void> {
  try {
    if (!(await tf.setBackend(backend))) throw new Error('setBackend returned false');
    await tf.ready();
  } catch (e) {
    console.log(`tfjs '${backend}' backend unavailable: ${(e as Error).message}`);
    return;
  }
  const p = toVariables(tf, w, `bench-${backend}`);
  const xt = tf.tensor4d(x, [BATCH, 28, 28, 1]);
  const predict = async () => {
    const probs = tf.tidy(() => tf.softmax(cnnLogits(tf, p, xt, m)));
    const out = (await probs.data()) as Float32Array;
    probs.dispose();
    return out;
  };
  const agree = compareProbs(await predict(), ortProbs, 10);
  const r = await timeIt(predict);
  rows.push({ backend: `tfjs 4.22 '${backend}'`, ...r, vsOrt: `${agree.argmaxMismatches} argmax diffs, max |Δp| ${agree.maxAbsDiff.toExponential(1)}` });
  xt.dispose();
  disposeParams(p);
}

await benchTfjs('cpu');
try {
  await import('@tensorflow/tfjs-backend-wasm');
  await benchTfjs('wasm');
} catch (e) {
  console.log(`tfjs wasm backend did not load: ${(e as Error).message}`);
}

const ort = rows[0]?.imagesPerSec ?? NaN;
console.log(`\nCNN ${m.filters} filters ${m.kernelSize}×${m.kernelSize}, ${m.pool} pool ${m.poolSize}, dense ${m.denseUnits}; batch ${BATCH}; ` +
  `node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const r of rows) {
  const ratio = r === rows[0] ? '' : `  ORT ${(ort / r.imagesPerSec).toFixed(2)}×`;
  console.log(`${r.backend.padEnd(44)} ${Math.round(r.imagesPerSec).toString().padStart(8)} images/s  (${r.batches} batches in ${r.seconds.toFixed(1)} s)  vs ORT: ${r.vsOrt}${ratio}`);
}
