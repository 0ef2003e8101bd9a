/**
 * ONNX export round trips: random weights with non-trivial biases → export → onnxruntime-node,
 * compared with the tfjs forward passes of src/ml/models.ts on random and real MNIST inputs.
 * Plus checks that the comparison is sensitive to the layouts it guards (conv kernel axes, flatten
 * order, LSTM gate order), metadata round trip and, when python3-onnx is present, onnx.checker.
 */
import { makeRng } from '../src/rng.ts';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../src/ml/tfjs.ts';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonWithOnnx } from './helpers.ts';
import { DEFAULTS, type StudyConfig } from '../src/config.ts';
import {
  cnnDense, cnnLogits, encodePrediction, initCnn, initLstm, lstmInputDim, lstmLogits, model2InputDim, model2Logits, toVariables, disposeParams, type Rng, type Weights,
} from '../src/ml/models.ts';
import { loadMnist } from '../src/data/mnist.ts';
import {
  CNN_CHUNK, convKernelToOnnx, exportCnn, exportLstm, exportModel1, exportModel2, lstmBiasToOnnx, lstmMatrixToOnnx, readOnnxMeta, ONNX_IR_VERSION, ONNX_OPSET, type OnnxMeta,
} from '../src/onnx/export.ts';
import { compareProbs, compareWithTfjs, loadSession, runProbs, type Agreement } from '../src/onnx/ort.ts';

type ModelConfig = StudyConfig['model'];

const mulberry = (seed: number): Rng => makeRng(seed, 'test');

const SMALL: ModelConfig = { ...DEFAULTS.model, filters: 4, kernelSize: 3, poolSize: 2, denseUnits: 16, lstmUnits: 8 };
const META: OnnxMeta = { seed: 7, model: 'model2', network: 'pipeline', studyId: 'test-study', configHash: 'abc123def456', testAccuracy: 0.9731, versions: { filterstudy: '0.1.0', tfjs: '4.22.0' } };

function uniform(n: number, rng: Rng, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}

/** Keras-initialised weights with every bias replaced by random values (the init's zeros would hide bias bugs). */
function randomCnn(m: ModelConfig, seed: number): Weights {
  const rng = mulberry(seed);
  const w = initCnn(m, rng);
  for (const k of ['convBias', 'dense1Bias', 'dense2Bias']) w[k].data = uniform(w[k].data.length, rng, -0.3, 0.3);
  return w;
}

function randomLstm(m: ModelConfig, inputDim: number, seed: number): Weights {
  const rng = mulberry(seed);
  const w = initLstm(m, inputDim, rng);
  w.kernel.data = uniform(w.kernel.data.length, rng, -1.5, 1.5); // large enough that hardSigmoid's clip is reached
  w.bias.data = uniform(w.bias.data.length, rng, -1, 1);
  w.headBias.data = uniform(w.headBias.data.length, rng, -0.5, 0.5);
  return w;
}

/** tf.tidy'd forward pass → Float32Array; params live only for the call. */
function tfjsRun(ws: Weights[], f: (p: ReturnType<typeof toVariables>[]) => tf.Tensor): Float32Array {
  const ps = ws.map((w, i) => toVariables(tf, w, `t${Math.random().toString(36).slice(2)}${i}`));
  try {
    return tf.tidy(() => f(ps).dataSync() as Float32Array).slice();
  } finally {
    ps.forEach(disposeParams);
  }
}

const img4d = (x: Float32Array) => tf.tensor4d(x, [x.length / 784, 28, 28, 1]);
const imgFeed = (x: Float32Array) => ({ data: x, dims: [x.length / 784, 28, 28, 1] });

let mnistImages: Float32Array; // 300 real test images in [0,1]
let randomImages: Float32Array; // 64 uniform-noise images
const REAL = 300;

function images(kind: 'random' | 'real', which: 'a' | 'b'): Float32Array {
  if (kind === 'random') return which === 'a' ? randomImages : randomImages.slice().reverse();
  const half = REAL / 2;
  return which === 'a' ? mnistImages.subarray(0, half * 784) : mnistImages.subarray(half * 784, REAL * 784);
}

function expectAgree(a: Agreement, label: string): void {
  expect(a.argmaxMismatches, `${label}: argmax mismatches (first row ${a.firstMismatchRow})`).toBe(0);
  expect(a.maxAbsDiff, `${label}: max |Δprob|`).toBeLessThan(1e-5);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  const mn = loadMnist({ verify: false });
  mnistImages = Float32Array.from(mn.testImages.subarray(0, REAL * 784), (v) => v / 255);
  randomImages = uniform(64 * 784, mulberry(99), 0, 1);
});

describe('layout conversions', () => {
  it('conv kernel [kh,kw,in,out] → [out,in,kh,kw]', () => {
    // kh=2, kw=3, in=1, out=2; value = 100·y + 10·x + o
    const src = new Float32Array(12);
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) for (let o = 0; o < 2; o++) src[(y * 3 + x) * 2 + o] = 100 * y + 10 * x + o;
    const out = convKernelToOnnx(src, [2, 3, 1, 2]);
    expect(Array.from(out)).toEqual([0, 10, 20, 100, 110, 120, 1, 11, 21, 101, 111, 121]);
  });

  it('LSTM gate blocks i,f,c,o → i,o,f,c, transposed', () => {
    // rows=1, U=1: kernel [1,4] = [i, f, c, o]
    expect(Array.from(lstmMatrixToOnnx(Float32Array.of(1, 2, 3, 4), 1, 1))).toEqual([1, 4, 2, 3]);
    // rows=2, U=1: kernel [[i0,f0,c0,o0],[i1,f1,c1,o1]] → W[gate][row]
    expect(Array.from(lstmMatrixToOnnx(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), 2, 1))).toEqual([1, 5, 4, 8, 2, 6, 3, 7]);
    expect(Array.from(lstmBiasToOnnx(Float32Array.of(1, 2, 3, 4), 1))).toEqual([1, 4, 2, 3, 0, 0, 0, 0]);
  });
});

describe('CNN round trip', () => {
  const cases: [string, ModelConfig][] = [
    ['max pool, 3×3', { ...SMALL, pool: 'max' }],
    ['avg pool, 3×3', { ...SMALL, pool: 'avg' }],
    ['max pool 3, kernel 5', { ...SMALL, kernelSize: 5, poolSize: 3 }],
    ['avg pool 2 over odd side 25 (floor), kernel 4', { ...SMALL, pool: 'avg', kernelSize: 4, poolSize: 2 }],
    ['paper size (16 filters, dense 128)', { ...DEFAULTS.model }],
  ];
  for (const [name, m] of cases) {
    it(name, async () => {
      const w = randomCnn(m, 11);
      const bytes = exportCnn(w, m, { ...META, model: 'model1', network: 'cnn1' });
      const session = await loadSession(bytes);
      for (const kind of ['random', 'real'] as const) {
        const x = images(kind, 'a');
        const ref = tfjsRun([w], ([p]) => tf.softmax(cnnLogits(tf, p, img4d(x), m)));
        expectAgree(await compareWithTfjs(session, { image: imgFeed(x) }, ref, { batch: 50 }), `${name} ${kind}`);
        const logitsRef = tfjsRun([w], ([p]) => cnnLogits(tf, p, img4d(x), m));
        expect(compareProbs(await runProbs(session, { image: imgFeed(x) }, 'logits'), logitsRef, 10).maxAbsDiff).toBeLessThan(1e-4);
      }
      await session.release();
    });
  }

  it(`runs in chunks of ${CNN_CHUNK} images without mixing rows: any N, across chunk boundaries`, async () => {
    const m = { ...SMALL, pool: 'max' as const };
    const w = randomCnn(m, 13);
    const s = await loadSession(exportCnn(w, m, META));
    const all = mnistImages.subarray(0, 2.5 * CNN_CHUNK * 784);
    const ref = tfjsRun([w], ([p]) => tf.softmax(cnnLogits(tf, p, img4d(all), m)));
    for (const n of [1, CNN_CHUNK - 1, CNN_CHUNK, CNN_CHUNK + 1, 2.5 * CNN_CHUNK]) {
      // one session.run over all n rows, so the Loop (not runProbs) does the chunking
      expectAgree(await compareWithTfjs(s, { image: imgFeed(all.subarray(0, n * 784)) }, ref.subarray(0, n * 10), { batch: n }), `N = ${n}`);
    }
    const empty = await s.run({ image: new ort.Tensor('float32', new Float32Array(0), [0, 28, 28, 1]) }); // zero Loop iterations
    expect(empty.probs.dims).toEqual([0, 10]);
    await s.release();
  });

  it('is sensitive to conv kernel axes and flatten order (the checks above would catch a layout bug)', async () => {
    const m = SMALL;
    const w = randomCnn(m, 12);
    const x = images('real', 'a');
    const ref = tfjsRun([w], ([p]) => tf.softmax(cnnLogits(tf, p, img4d(x), m)));
    // kh ↔ kw swapped
    const k = m.kernelSize;
    const F = m.filters;
    const swapped = new Float32Array(w.convKernel.data.length);
    for (let y = 0; y < k; y++) for (let xx = 0; xx < k; xx++) for (let o = 0; o < F; o++) swapped[(xx * k + y) * F + o] = w.convKernel.data[(y * k + xx) * F + o];
    // dense1 rows in NCHW instead of NHWC order
    const P = Math.floor((28 - k + 1) / m.poolSize);
    const D = m.denseUnits;
    const nchw = new Float32Array(w.dense1Kernel.data.length);
    for (let h = 0; h < P; h++) for (let ww = 0; ww < P; ww++) for (let f = 0; f < F; f++) {
      nchw.set(w.dense1Kernel.data.subarray(((h * P + ww) * F + f) * D, ((h * P + ww) * F + f + 1) * D), ((f * P + h) * P + ww) * D);
    }
    for (const [what, bad] of [['kh↔kw', { ...w, convKernel: { ...w.convKernel, data: swapped } }], ['NCHW flatten', { ...w, dense1Kernel: { ...w.dense1Kernel, data: nchw } }]] as const) {
      const s = await loadSession(exportCnn(bad, m, META));
      const a = await compareWithTfjs(s, { image: imgFeed(x) }, ref);
      expect(a.ok, what).toBe(false);
      expect(a.maxAbsDiff, what).toBeGreaterThan(1e-2);
      await s.release();
    }
  });
});

describe('LSTM round trip', () => {
  for (const act of ['sigmoid', 'hardSigmoid'] as const) {
    for (const inputDim of [10, 1]) {
      it(`${act}, input dim ${inputDim}`, async () => {
        const m: ModelConfig = { ...SMALL, recurrentActivation: act };
        const w = randomLstm(m, inputDim, 21);
        const n = 200;
        const rng = mulberry(5);
        const xa = uniform(n * inputDim, rng, -1, 2);
        const xb = uniform(n * inputDim, rng, -1, 2);
        const seq = new Float32Array(2 * n * inputDim);
        seq.set(xa, 0);
        seq.set(xb, n * inputDim);
        const ref = tfjsRun([w], ([p]) => tf.softmax(lstmLogits(tf, p, [tf.tensor2d(xa, [n, inputDim]), tf.tensor2d(xb, [n, inputDim])], m)));
        const s = await loadSession(exportLstm(w, m, { ...META, model: 'model1', network: 'lstm' }));
        expectAgree(await compareWithTfjs(s, { sequence: { data: seq, dims: [2, n, inputDim] } }, ref, { batch: 64 }), `${act}/${inputDim}`);
        await s.release();
      });
    }
  }

  it('is sensitive to the gate order and to the recurrent activation', async () => {
    const m: ModelConfig = { ...SMALL, recurrentActivation: 'hardSigmoid' };
    const w = randomLstm(m, 10, 22);
    const n = 100;
    const rng = mulberry(6);
    const seq = uniform(2 * n * 10, rng, 0, 1);
    const ref = tfjsRun([w], ([p]) => tf.softmax(lstmLogits(tf, p, [tf.tensor2d(seq.subarray(0, n * 10), [n, 10]), tf.tensor2d(seq.subarray(n * 10), [n, 10])], m)));
    const feed = { sequence: { data: seq, dims: [2, n, 10] } };
    const U = m.lstmUnits;
    // Keras blocks i,f,c,o handed over as if they were already i,o,f,c (i.e. no reordering)
    const asIs = (d: Float32Array, rows: number) => {
      const out = new Float32Array(d.length);
      const order = [0, 2, 3, 1]; // inverse of the export's permutation, so the export undoes nothing
      for (let r = 0; r < rows; r++) for (let g = 0; g < 4; g++) out.set(d.subarray(r * 4 * U + order[g] * U, r * 4 * U + (order[g] + 1) * U), r * 4 * U + g * U);
      return out;
    };
    const wrongGates: Weights = {
      ...w,
      kernel: { ...w.kernel, data: asIs(w.kernel.data, 10) },
      recurrentKernel: { ...w.recurrentKernel, data: asIs(w.recurrentKernel.data, U) },
      bias: { ...w.bias, data: asIs(w.bias.data, 1) },
    };
    for (const [what, bytes] of [
      ['gate order i,f,c,o', exportLstm(wrongGates, m, META)],
      ['sigmoid instead of hardSigmoid', exportLstm(w, { ...m, recurrentActivation: 'sigmoid' }, META)],
    ] as const) {
      const s = await loadSession(bytes);
      const a = await compareWithTfjs(s, feed, ref);
      expect(a.ok, what).toBe(false);
      expect(a.maxAbsDiff, what).toBeGreaterThan(1e-3);
      await s.release();
    }
  });
});

describe('whole models', () => {
  for (const enc of ['onehot', 'softmax', 'scalar'] as const) {
    for (const act of ['sigmoid', 'hardSigmoid'] as const) {
      it(`model-1 pipeline, lstmInput ${enc}, ${act}`, async () => {
        const m: ModelConfig = { ...SMALL, lstmInput: enc, recurrentActivation: act, pool: enc === 'softmax' ? 'avg' : 'max' };
        const cnn1 = randomCnn(m, 31);
        const cnn2 = randomCnn(m, 32);
        const lstm = randomLstm(m, lstmInputDim(enc), 33);
        const s = await loadSession(exportModel1(cnn1, cnn2, lstm, m, { ...META, model: 'model1', network: 'pipeline' }));
        for (const kind of ['random', 'real'] as const) {
          const xa = images(kind, 'a');
          const xb = images(kind, 'b');
          const feeds = { image_a: imgFeed(xa), image_b: imgFeed(xb) };
          const ref = tfjsRun([cnn1, cnn2, lstm], ([p1, p2, pl]) => {
            const la = cnnLogits(tf, p1, img4d(xa), m);
            const lb = cnnLogits(tf, p2, img4d(xb), m);
            return tf.softmax(lstmLogits(tf, pl, [encodePrediction(tf, la, enc), encodePrediction(tf, lb, enc)], m));
          });
          expectAgree(await compareWithTfjs(s, feeds, ref, { batch: 40 }), `model1 ${enc} ${kind}`);
          const refA = tfjsRun([cnn1], ([p]) => tf.softmax(cnnLogits(tf, p, img4d(xa), m)));
          const refB = tfjsRun([cnn2], ([p]) => tf.softmax(cnnLogits(tf, p, img4d(xb), m)));
          expectAgree(await compareWithTfjs(s, feeds, refA, { output: 'digit_a_probs' }), `digit a ${kind}`);
          expectAgree(await compareWithTfjs(s, feeds, refB, { output: 'digit_b_probs' }), `digit b ${kind}`);
        }
        await s.release();
      });
    }
  }

  for (const [act, pool] of [['sigmoid', 'max'], ['hardSigmoid', 'avg']] as const) {
    it(`model-2, ${act}, ${pool} pool`, async () => {
      const m: ModelConfig = { ...SMALL, recurrentActivation: act, pool };
      const cnn1 = randomCnn(m, 41);
      const cnn2 = randomCnn(m, 42);
      const lstm = randomLstm(m, 10, 43);
      const s = await loadSession(exportModel2(cnn1, cnn2, lstm, m, META));
      for (const kind of ['random', 'real'] as const) {
        const xa = images(kind, 'a');
        const xb = images(kind, 'b');
        const ref = tfjsRun([cnn1, cnn2, lstm], ([p1, p2, pl]) => tf.softmax(model2Logits(tf, { cnn1: p1, cnn2: p2, lstm: pl }, img4d(xa), img4d(xb), m)));
        expectAgree(await compareWithTfjs(s, { image_a: imgFeed(xa), image_b: imgFeed(xb) }, ref, { batch: 1000 }), `model2 ${kind}`); // real: 150 rows, two Loop chunks
      }
      await s.release();
    });
  }

  // Each reading of model-2 (model.model2Input): the LSTM's input width, tfjs forward shapes and
  // onnxruntime-vs-tfjs agreement, and the graph's outputs (dense: features, no digit outputs).
  for (const reading of ['softmax', 'logits', 'dense'] as const) {
    it(`model-2 reading '${reading}': shapes and onnxruntime = tfjs`, async () => {
      const m: ModelConfig = { ...SMALL, model2Input: reading };
      const inDim = model2InputDim(m);
      expect(inDim).toBe(reading === 'dense' ? m.denseUnits : 10);
      const [c1, c2, l] = [randomCnn(m, 61), randomCnn(m, 62), randomLstm(m, inDim, 63)];
      const xa = images('real', 'a');
      const xb = images('real', 'b');
      const n = xa.length / 784;
      const ref = tfjsRun([c1, c2, l], ([p1, p2, pl]) => tf.softmax(model2Logits(tf, { cnn1: p1, cnn2: p2, lstm: pl }, img4d(xa), img4d(xb), m)));
      expect(ref.length).toBe(n * 28);
      const s = await loadSession(exportModel2(c1, c2, l, m, META));
      expect(s.outputNames).toEqual(reading === 'dense' ? ['probs', 'features_a', 'features_b'] : ['probs', 'digit_a_probs', 'digit_b_probs']);
      expectAgree(await compareWithTfjs(s, { image_a: imgFeed(xa), image_b: imgFeed(xb) }, ref, { batch: 1000 }), `model2 ${reading}`);
      if (reading === 'dense') {
        const feats = await runProbs(s, { image_a: imgFeed(xa), image_b: imgFeed(xb) }, 'features_a');
        const refFeats = tfjsRun([c1], ([p1]) => cnnDense(tf, p1, img4d(xa), m));
        expect(feats.length).toBe(n * m.denseUnits);
        expect(compareProbs(feats, refFeats, m.denseUnits).maxAbsDiff).toBeLessThan(1e-4);
      }
      await s.release();
      // An LSTM of the wrong width for the reading is refused.
      const wrong = randomLstm(m, reading === 'dense' ? 10 : m.denseUnits, 64);
      expect(() => exportModel2(c1, c2, wrong, m, META)).toThrow(new RegExp(`model2Input '${reading}' needs ${inDim}`));
    });
  }

  it('the readings differ: logits and softmax give other model-2 outputs for the same weights', async () => {
    const m = SMALL;
    const [c1, c2, l] = [randomCnn(m, 71), randomCnn(m, 72), randomLstm(m, 10, 73)];
    const x = { image_a: imgFeed(images('real', 'a')), image_b: imgFeed(images('real', 'b')) };
    const soft = await runProbs(await loadSession(exportModel2(c1, c2, l, { ...m, model2Input: 'softmax' }, META)), x);
    const logit = await runProbs(await loadSession(exportModel2(c1, c2, l, { ...m, model2Input: 'logits' }, META)), x);
    expect(compareProbs(soft, logit, 28).maxAbsDiff).toBeGreaterThan(1e-3);
  });

  it('swapping the two CNNs changes model-2 (image_a goes to CNN1)', async () => {
    const m = SMALL;
    const [c1, c2, l] = [randomCnn(m, 51), randomCnn(m, 52), randomLstm(m, 10, 53)];
    const x = { image_a: imgFeed(images('real', 'a')), image_b: imgFeed(images('real', 'b')) };
    const good = await runProbs(await loadSession(exportModel2(c1, c2, l, m, META)), x);
    const swapped = await runProbs(await loadSession(exportModel2(c2, c1, l, m, META)), x);
    expect(compareProbs(good, swapped, 28).maxAbsDiff).toBeGreaterThan(1e-3);
  });

  it('rejects weights that do not fit the config', () => {
    const w = randomCnn(SMALL, 1);
    expect(() => exportCnn(w, { ...SMALL, filters: 5 }, META)).toThrow(/convKernel.*shape \[3,3,1,4\].*expected \[3,3,1,5\]/);
    const l = randomLstm(SMALL, 10, 2);
    expect(() => exportModel1(randomCnn(SMALL, 3), randomCnn(SMALL, 4), l, { ...SMALL, lstmInput: 'scalar' }, META)).toThrow(/input dim 10.*'scalar' needs 1/);
  });
});

describe('metadata', () => {
  it('round-trips metadata_props, producer, opset and the I/O signature', () => {
    const m = { ...SMALL, lstmInput: 'softmax' as const };
    const bytes = exportModel1(randomCnn(m, 1), randomCnn(m, 2), randomLstm(m, 10, 3), m, { ...META, model: 'model1', network: 'pipeline' });
    const info = readOnnxMeta(bytes);
    expect(info.producerName).toBe('filterstudy');
    expect(info.producerVersion).toBe('0.1.0');
    expect(info.irVersion).toBe(ONNX_IR_VERSION);
    expect(info.opsetVersion).toBe(ONNX_OPSET);
    expect(info.graph).toBe('model1');
    expect(info.meta).toEqual({ ...META, model: 'model1', network: 'pipeline' });
    expect(info.modelConfig).toEqual(m);
    expect(info.inputs).toEqual([{ name: 'image_a', shape: ['N', 28, 28, 1] }, { name: 'image_b', shape: ['N', 28, 28, 1] }]);
    expect(info.outputs.map((o) => o.name)).toEqual(['probs', 'digit_a_probs', 'digit_b_probs']);
    expect(info.outputs[0].shape).toEqual(['N', 28]);
    const lstm = readOnnxMeta(exportLstm(randomLstm(SMALL, 1, 4), SMALL, { ...META, testAccuracy: undefined }));
    expect(lstm.graph).toBe('lstm');
    expect(lstm.meta && 'testAccuracy' in lstm.meta).toBe(false);
    expect(lstm.inputs).toEqual([{ name: 'sequence', shape: [2, 'N', 1] }]);
  });

  it('refuses bytes that are not ONNX', () => {
    expect(() => readOnnxMeta(new TextEncoder().encode('hello, I am not a model'))).toThrow(/not an ONNX model/);
    expect(() => readOnnxMeta(new Uint8Array(0))).toThrow(/not an ONNX model/);
  });
});

describe('onnx.checker (python3-onnx)', () => {
  const python = pythonWithOnnx();
  if (!python) console.log('skipping onnx.checker test: python3 with the onnx module (Debian: apt-get install python3-onnx) not found');
  let dir = '';
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!python)('every exported graph variant passes check_model(full_check=True)', () => {
    dir = mkdtempSync(join(tmpdir(), 'fs-onnx-'));
    const files: string[] = [];
    const save = (name: string, b: Uint8Array) => {
      const f = join(dir, `${name}.onnx`);
      writeFileSync(f, b);
      files.push(f);
    };
    for (const pool of ['max', 'avg'] as const) save(`cnn-${pool}`, exportCnn(randomCnn({ ...SMALL, pool }, 1), { ...SMALL, pool }, META));
    for (const act of ['sigmoid', 'hardSigmoid'] as const) {
      const m = { ...SMALL, recurrentActivation: act };
      save(`lstm-${act}`, exportLstm(randomLstm(m, 10, 2), m, META));
      save(`model2-${act}`, exportModel2(randomCnn(m, 3), randomCnn(m, 4), randomLstm(m, 10, 5), m, META));
    }
    for (const reading of ['logits', 'dense'] as const) {
      const m = { ...SMALL, model2Input: reading };
      save(`model2-${reading}`, exportModel2(randomCnn(m, 3), randomCnn(m, 4), randomLstm(m, model2InputDim(m), 5), m, META));
    }
    for (const enc of ['onehot', 'softmax', 'scalar'] as const) {
      const m = { ...SMALL, lstmInput: enc };
      save(`model1-${enc}`, exportModel1(randomCnn(m, 6), randomCnn(m, 7), randomLstm(m, lstmInputDim(enc), 8), m, META));
    }
    const script = 'import onnx,sys\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)\n    print("ok", f)';
    const out = execFileSync(python!, ['-c', script, ...files], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toHaveLength(files.length);
  });
});
