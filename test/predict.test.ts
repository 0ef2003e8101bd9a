/**
 * `filterstudy predict`: the result matches the tfjs forward pass of the exported weights, PNG and
 * test:<index> inputs agree, and every bad input fails with an error that names the problem.
 */
import { makeRng } from '../src/rng.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../src/ml/tfjs.ts';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULTS, type StudyConfig } from '../src/config.ts';
import { FilterstudyError } from '../src/errors.ts';
import { cnnLogits, disposeParams, encodePrediction, initCnn, initLstm, lstmLogits, model2Logits, toVariables, type Rng, type Weights } from '../src/ml/models.ts';
import { loadMnist, type Mnist } from '../src/data/mnist.ts';
import { exportCnn, exportModel1, exportModel2, type OnnxMeta } from '../src/onnx/export.ts';
import { modelProtoType } from '../src/onnx/graph.ts';
import { loadDigitImage, predict, predictCommand } from '../src/cli/predict.ts';

type ModelConfig = StudyConfig['model'];

const rngOf = (seed: number): Rng => makeRng(seed, 'test');

const M: ModelConfig = { ...DEFAULTS.model, filters: 4, denseUnits: 16, lstmUnits: 8, lstmInput: 'onehot' };
const META: OnnxMeta = { seed: 3, model: 'model2', network: 'pipeline', studyId: 'predict-test', configHash: '0123456789ab', versions: { filterstudy: '0.1.0' } };

let dir: string;
let mnist: Mnist;
const mn = () => mnist;
const files: Record<string, string> = {};
let weights: { cnn1: Weights; cnn2: Weights; lstm2: Weights; lstm1: Weights };

function withBiases(w: Weights, rng: Rng): Weights {
  for (const [k, v] of Object.entries(w)) if (/[bB]ias$/.test(k)) v.data = Float32Array.from(v.data, () => rng.next() - 0.5);
  return w;
}

function writePng(name: string, width: number, height: number, rgba: (p: number) => [number, number, number, number], colorType: 0 | 2 | 6): string {
  const png = new pngjs.PNG({ width, height });
  for (let p = 0; p < width * height; p++) png.data.set(rgba(p), 4 * p);
  const f = join(dir, name);
  writeFileSync(f, pngjs.PNG.sync.write(png, { colorType }));
  return f;
}

const testPixel = (index: number) => (p: number) => mnist.testImages[index * 784 + p];

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'fs-predict-'));
  mnist = loadMnist({ verify: false });
  const rng = rngOf(1);
  weights = {
    cnn1: withBiases(initCnn(M, rng), rng),
    cnn2: withBiases(initCnn(M, rng), rng),
    lstm2: withBiases(initLstm(M, 10, rng), rng),
    lstm1: withBiases(initLstm(M, 10, rng), rng),
  };
  const { cnn1, cnn2, lstm1, lstm2 } = weights;
  files.model2 = join(dir, 'model2.onnx');
  writeFileSync(files.model2, exportModel2(cnn1, cnn2, lstm2, M, META));
  files.model1 = join(dir, 'model1.onnx');
  writeFileSync(files.model1, exportModel1(cnn1, cnn2, lstm1, M, { ...META, model: 'model1' }));
  files.cnn = join(dir, 'cnn.onnx');
  writeFileSync(files.cnn, exportCnn(cnn1, M, { ...META, model: 'model1', network: 'cnn1' }));
  // valid ONNX, not ours: same graph, another producer, no metadata
  const T = modelProtoType();
  const foreign = T.decode(exportModel2(cnn1, cnn2, lstm2, M, META)) as unknown as Record<string, unknown>;
  foreign.producer_name = 'pytorch';
  foreign.metadata_props = [];
  files.foreign = join(dir, 'foreign.onnx');
  writeFileSync(files.foreign, T.encode(T.fromObject(foreign)).finish());
  files.text = join(dir, 'notes.onnx');
  writeFileSync(files.text, 'this is a text file, not a model\n');

  const g = testPixel(0);
  files.gray0 = writePng('gray0.png', 28, 28, (p) => [g(p), g(p), g(p), 255], 0);
  files.red0 = writePng('red0.png', 28, 28, (p) => [g(p), 0, 0, 255], 2);
  files.big = writePng('big.png', 32, 32, () => [0, 0, 0, 255], 0);
  files.notPng = join(dir, 'digit.png');
  writeFileSync(files.notPng, 'GIF89a not really a png');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** tfjs reference: third-term probabilities for test images ia, ib. */
function reference(kind: 'model1' | 'model2', ia: number, ib: number): Float32Array {
  const img = (i: number) => tf.tensor4d(Float32Array.from(mnist.testImages.subarray(i * 784, (i + 1) * 784), (v) => v / 255), [1, 28, 28, 1]);
  const p = { cnn1: toVariables(tf, weights.cnn1, 'r1'), cnn2: toVariables(tf, weights.cnn2, 'r2'), lstm: toVariables(tf, kind === 'model1' ? weights.lstm1 : weights.lstm2, 'rl') };
  try {
    return tf.tidy(() => {
      if (kind === 'model2') return tf.softmax(model2Logits(tf, p, img(ia), img(ib), M)).dataSync() as Float32Array;
      const enc = (l: tf.Tensor2D) => encodePrediction(tf, l, M.lstmInput);
      return tf.softmax(lstmLogits(tf, p.lstm, [enc(cnnLogits(tf, p.cnn1, img(ia), M)), enc(cnnLogits(tf, p.cnn2, img(ib), M))], M)).dataSync() as Float32Array;
    }).slice();
  } finally {
    Object.values(p).forEach(disposeParams);
  }
}

describe('predict', () => {
  for (const kind of ['model1', 'model2'] as const) {
    it(`${kind}: matches the tfjs forward pass on test images`, async () => {
      for (const [ia, ib] of [[0, 1], [42, 9999]]) {
        const r = await predict({ model: files[kind], imageA: `test:${ia}`, imageB: `test:${ib}`, mnist: mn });
        const ref = reference(kind, ia, ib);
        const best = ref.indexOf(Math.max(...ref));
        expect(r.graph).toBe(kind);
        expect(r.third).toBe(best - 9);
        expect(Math.abs(r.prob - ref[best])).toBeLessThan(1e-5);
        expect(r.top).toHaveLength(3);
        expect(r.top[0]).toEqual({ third: r.third, prob: r.prob });
        expect(r.top[1].prob).toBeLessThanOrEqual(r.top[0].prob);
        expect(r.a.label).toBe(mnist.testLabels[ia]);
        expect(r.digits).toBeDefined();
      }
    });
  }

  it('a PNG of a test image predicts exactly what test:<index> does; colour is converted to gray', async () => {
    const viaTest = await predict({ model: files.model2, imageA: 'test:0', imageB: 'test:1', mnist: mn });
    const viaPng = await predict({ model: files.model2, imageA: files.gray0, imageB: 'test:1', mnist: mn });
    expect(viaPng.prob).toBe(viaTest.prob);
    expect(Array.from(loadDigitImage(files.gray0).pixels)).toEqual(Array.from(loadDigitImage('test:0', { mnist: mn }).pixels));
    const red = loadDigitImage(files.red0).pixels;
    const gray = loadDigitImage(files.gray0).pixels;
    expect(red.every((v, p) => Math.abs(v - 0.299 * gray[p]) < 1e-6)).toBe(true);
    expect(loadDigitImage(files.gray0, { invert: true }).pixels[0]).toBe(1 - gray[0]);
  });

  it('the command prints the third term, its probability and the top-3', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await predictCommand().parseAsync(['--model', files.model2, 'test:0', files.gray0], { from: 'user' });
      const out = log.mock.calls.map((c) => String(c[0])).join('\n');
      expect(out).toMatch(/model-2 \(study predict-test, seed 3\)/);
      expect(out).toMatch(/third term 2b − a = -?\d+ {2}p = 0\.\d{4}/);
      expect(out).toMatch(/top-3: (-?\d+ \(\d\.\d{4}\)(, )?){3}/);
      // model-2's CNN outputs are not digits: never "digits read" for it; model-1's are
      expect(out).not.toMatch(/digits read/);
      expect(out).toMatch(/CNN outputs \(not digits/);
      log.mockClear();
      await predictCommand().parseAsync(['--model', files.model1, 'test:0', files.gray0], { from: 'user' });
      expect(log.mock.calls.map((c) => String(c[0])).join('\n')).toMatch(/digits read: a → \d \(p=/);
    } finally {
      log.mockRestore();
    }
  });
});

describe('predict errors name the problem', () => {
  const fails = async (imageA: string, imageB: string, model: string, code: string, re: RegExp) => {
    const err = await predict({ model, imageA, imageB, mnist: mn }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(FilterstudyError);
    expect((err as FilterstudyError).code).toBe(code);
    expect((err as FilterstudyError).message).toMatch(re);
  };

  it('an image file that is not a PNG', () => fails(files.notPng, 'test:0', files.model2, 'E_INPUT', /digit\.png is not a PNG image/));
  it('a missing image file', () => fails(join(dir, 'nope.png'), 'test:0', files.model2, 'E_INPUT', /image file .*nope\.png does not exist/));
  it('a PNG of the wrong size, with its size and a hint', async () => {
    const err = await predict({ model: files.model2, imageA: 'test:0', imageB: files.big, mnist: mn }).catch((e: FilterstudyError) => e);
    expect((err as FilterstudyError).message).toMatch(/big\.png is 32×32 pixels; the networks read 28×28 images/);
    expect((err as FilterstudyError).hint).toMatch(/resize/);
  });
  it('a test index out of range', () => fails('test:10000', 'test:0', files.model2, 'E_INPUT', /test:10000.*out of range.*10000 images \(test:0 … test:9999\)/));
  it('a malformed test index', () => fails('test:-1', 'test:0', files.model2, 'E_INPUT', /test:-1.*non-negative integer/));
  it('a model file that is not ONNX', () => fails('test:0', 'test:1', files.text, 'E_MODEL', /notes\.onnx: not an ONNX model/));
  it('an ONNX model that filterstudy did not write', () => fails('test:0', 'test:1', files.foreign, 'E_MODEL', /foreign\.onnx is an ONNX model but not one exported by filterstudy \(producer "pytorch"/));
  it('a filterstudy graph that is not a pipeline', () => fails('test:0', 'test:1', files.cnn, 'E_MODEL', /cnn\.onnx is a filterstudy "cnn" graph \(inputs: image\); predict needs a model-1 pipeline or model-2 graph/));
  it('a filterstudy graph that is not a pipeline: the hint names the files to pass, not internal functions', async () => {
    const err = (await predict({ model: files.cnn, imageA: 'test:0', imageB: 'test:1', mnist: mn }).then(() => null, (e: unknown) => e)) as FilterstudyError;
    expect(err.hint).toMatch(/model1\.onnx or model2\.onnx/);
    expect(err.hint).not.toMatch(/exportModel|exportCnn/);
  });
  it('a missing model file', () => fails('test:0', 'test:1', join(dir, 'missing.onnx'), 'E_MODEL', /model file .*missing\.onnx does not exist/));
  it('a bad --top', async () => {
    await expect(predictCommand().parseAsync(['--model', files.model2, '--top', '0', 'test:0', 'test:1'], { from: 'user' })).rejects.toThrow(/--top must be an integer from 1 to 28/);
  });
});
