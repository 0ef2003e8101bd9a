/**
 * Benchmark of the wasm kernel fixes (src/ml/kernels/index.ts) on the study's two training steps.
 *   npx tsx bench/kernels.ts [--profile] [--steps=N] [--all]
 * Prints images/s (CNN, batch 128) and pairs/s (model-2, batch 128 pairs), for several kernel sets:
 * "orig" = stock wasm kernels (the CNN cannot train there: Conv2DBackpropFilter is missing),
 * "+convBF" = only the missing kernel added, "all" = every fix. One wasm thread.
 */
import * as tf from '../src/ml/tfjs.ts';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernelFixes, restoreWasmKernels, type FixedKernel } from '../src/ml/kernels/index.ts';

const N = 128;
const args = process.argv.slice(2);
const PROFILE = args.includes('--profile');
const STEPS = Number(args.find((a) => a.startsWith('--steps='))?.slice(8) ?? 30);
const ONLY_ALL = args.includes('--all'); // only the "all fixes" set (quicker repeated runs)

type Cnn = { k: tf.Variable; kb: tf.Variable; w1: tf.Variable; b1: tf.Variable; w2: tf.Variable; b2: tf.Variable };
const v = (t: tf.Tensor) => tf.variable(t);
function makeCnn(): Cnn {
  return {
    k: v(tf.randomNormal([3, 3, 1, 16], 0, 0.3)), kb: v(tf.zeros([16])),
    w1: v(tf.randomNormal([2704, 128], 0, 0.02)), b1: v(tf.zeros([128])),
    w2: v(tf.randomNormal([128, 10], 0, 0.1)), b2: v(tf.zeros([10])),
  };
}
const cnnVars = (m: Cnn) => [m.k, m.kb, m.w1, m.b1, m.w2, m.b2];

/** x [N,28,28,1], mask [N,13,13,16] (dropout, pre-scaled) -> logits [N,10]. */
function cnnLogits(m: Cnn, x: tf.Tensor4D, mask: tf.Tensor): tf.Tensor2D {
  const c = tf.relu(tf.add(tf.conv2d(x, m.k as tf.Tensor4D, 1, 'valid'), m.kb)); // [N,26,26,16]
  const p = tf.mul(tf.maxPool(c as tf.Tensor4D, 2, 2, 'valid'), mask); // [N,13,13,16]
  const h = tf.relu(tf.add(tf.matMul(tf.reshape(p, [-1, 2704]) as tf.Tensor2D, m.w1 as tf.Tensor2D), m.b1));
  return tf.add(tf.matMul(h as tf.Tensor2D, m.w2 as tf.Tensor2D), m.b2) as tf.Tensor2D;
}

function lstmModel() {
  return {
    a: makeCnn(), b: makeCnn(),
    W: v(tf.randomNormal([10, 256], 0, 0.1)), U: v(tf.randomNormal([64, 256], 0, 0.1)), lb: v(tf.zeros([256])),
    D: v(tf.randomNormal([64, 28], 0, 0.1)), db: v(tf.zeros([28])),
  };
}

function makeData(classes: number) {
  const x = tf.randomUniform([N, 28, 28, 1]) as tf.Tensor4D;
  const x2 = tf.randomUniform([N, 28, 28, 1]) as tf.Tensor4D;
  const mask = tf.mul(tf.cast(tf.greater(tf.randomUniform([N, 13, 13, 16]), 0.25), 'float32'), 1 / 0.75);
  const mask2 = tf.mul(tf.cast(tf.greater(tf.randomUniform([N, 13, 13, 16]), 0.25), 'float32'), 1 / 0.75);
  const y = tf.oneHot(tf.randomUniform([N], 0, classes, 'int32') as tf.Tensor1D, classes);
  return { x, x2, mask, mask2, y };
}

function cnnStep(opt: tf.Optimizer, m: Cnn, d: ReturnType<typeof makeData>) {
  const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(d.y, cnnLogits(m, d.x, d.mask)) as tf.Scalar, true, cnnVars(m));
  loss!.dataSync();
  loss!.dispose();
}

function lstmStep(opt: tf.Optimizer, m: ReturnType<typeof lstmModel>, d: ReturnType<typeof makeData>) {
  const vars = [...cnnVars(m.a), ...cnnVars(m.b), m.W, m.U, m.lb, m.D, m.db];
  const loss = opt.minimize(() => {
    const seq = [tf.softmax(cnnLogits(m.a, d.x, d.mask)), tf.softmax(cnnLogits(m.b, d.x2, d.mask2))]; // 2 x [N,10]
    let h: tf.Tensor = tf.zeros([N, 64]);
    let c: tf.Tensor = tf.zeros([N, 64]);
    for (const xt of seq) {
      const gates = tf.add(tf.add(tf.matMul(xt, m.W), tf.matMul(h, m.U)), m.lb); // [N,256]
      const [i, f, g, o] = tf.split(gates, 4, 1); // 4 x [N,64]
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    }
    const logits = tf.add(tf.matMul(h, m.D), m.db); // [N,28]
    return tf.losses.softmaxCrossEntropy(d.y, logits) as tf.Scalar;
  }, true, vars);
  loss!.dataSync();
  loss!.dispose();
}

async function timeIt(name: string, unit: string, fn: () => void): Promise<number | null> {
  try {
    for (let i = 0; i < 5; i++) fn(); // warm-up (xnn operator creation, heap growth)
  } catch (e) {
    console.log(`${name.padEnd(34)} FAILS: ${(e as Error).message.slice(0, 90)}`);
    return null;
  }
  const before = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  const leak = tf.memory().numTensors - before;
  // The machine is shared: report the median step (robust to other jobs) and the mean.
  const ms = [...times].sort((a, b) => a - b)[Math.floor(STEPS / 2)];
  const mean = times.reduce((a, b) => a + b, 0) / STEPS;
  const rate = (N * 1000) / ms;
  console.log(`${name.padEnd(34)} median ${ms.toFixed(1).padStart(6)} ms/step (mean ${mean.toFixed(1)}) ` +
    `${rate.toFixed(0).padStart(6)} ${unit}${leak ? `  LEAK ${leak}` : ''}`);
  if (PROFILE) {
    const prof = await tf.profile(() => fn());
    const byKernel = new Map<string, number>();
    for (const k of prof.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    const top = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.log('   top kernels (ms, one profiled step):', top.map(([k, t]) => `${k}=${t.toFixed(1)}`).join(' '));
  }
  return rate;
}

async function main() {
  setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  console.log(`tfjs-core ${tf.version_core} backend=${tf.getBackend()} simd=${simd} multithread=${mt} steps=${STEPS} batch=${N}`);
  const opt = tf.train.sgd(0.01);
  const cnn = makeCnn();
  const m2 = lstmModel();
  const d10 = makeData(10);
  const d28 = makeData(28);
  const sets: [string, FixedKernel[] | undefined][] = [
    ['orig', []],
    ['+Conv2DBackpropFilter', ['Conv2DBackpropFilter']],
    ['no Sum/Identity/Cast', ['Conv2DBackpropFilter', 'BatchMatMul', 'MaxPoolGrad', 'Slice']],
    ['all fixes', undefined],
  ];
  for (const [label, only] of ONLY_ALL ? sets.slice(-1) : sets) {
    restoreWasmKernels(tf);
    const reg = only && only.length === 0 ? [] : registerWasmKernelFixes(tf, only ? { only } : undefined);
    console.log(`-- ${label}: registered [${reg.join(', ')}]`);
    await timeIt(`CNN step (${label})`, 'images/s', () => cnnStep(opt, cnn, d10));
    await timeIt(`model-2 step (${label})`, 'pairs/s', () => lstmStep(opt, m2, d28));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
