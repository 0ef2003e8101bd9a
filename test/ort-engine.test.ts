/**
 * The onnxruntime engine through the Engine contract (src/ml/engine.ts): a few steps' loss
 * curve and weights against the tfjs reference (cpu backend) fed the same batches and dropout
 * masks, logits and cnnForward against models.ts, determinism (same seed → bit-identical weights),
 * weights()/setWeights(), dispose, coded errors, and onnx.checker on the training graphs.
 * Tolerances as in ort-train.test.ts (scaledDiff ≤ 2e-5 after one step; a few steps compound
 * rounding, so the curve is compared at 1e-4).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pythonWithOnnx } from './helpers.ts';
import { DEFAULTS, resolveConfig, type StudyConfig } from '../src/config.ts';
import { plannedBackend } from '../src/coordinator/pool.ts';
import { loadEngine } from '../src/worker/engine-load.ts';
import { loadBackend, type TF } from '../src/ml/backend.ts';
import type { Engine, NetWeights } from '../src/ml/engine.ts';
import { makePairs, loadMnist, splitMnist } from '../src/data/mnist.ts';
import { cnnDense, cnnLogits, dropoutMask, initCnn, initLstm, lstmLogits, toVariables, disposeParams } from '../src/ml/models.ts';
import { makeRng } from '../src/rng.ts';
import type { SeedData } from '../src/data/mnist.ts';
import { createOrtEngine } from '../src/onnx/train/index.ts';
import { dropoutMaskData } from '../src/onnx/train/batch.ts';
import { cnnStepModel, lstmStepModel, model2StepModel, type Model2Input } from '../src/onnx/train/steps.ts';
import { TfRef, scaledDiff } from './ort-train-ref.ts';

let tf: TF;
let engine: Engine;
let data: SeedData;
const BATCH = 32;

beforeAll(async () => {
  tf = (await loadBackend('cpu')).tf;
  engine = await createOrtEngine();
  const splits = splitMnist(loadMnist(), { dataSeed: DEFAULTS.data.dataSeed, trainSize: 42000, valSize: 18000, limit: { train: 160, val: 48, test: 48 } });
  data = { splits, pairs: { train: makePairs(splits.train, { pairing: 'reversed' }), val: makePairs(splits.val, { pairing: 'reversed' }), test: makePairs(splits.test, { pairing: 'reversed' }) } };
});

function config(train: Partial<StudyConfig['train']> = {}, model: Partial<StudyConfig['model']> & { model2Input?: Model2Input } = {}): StudyConfig {
  const c = structuredClone(DEFAULTS);
  Object.assign(c.train, { batchSize: BATCH, evalBatchSize: 20, ...train });
  Object.assign(c.model, model);
  return c;
}

const flat = (w: NetWeights) => Object.fromEntries(Object.entries(w).flatMap(([p, ws]) => Object.entries(ws).map(([k, v]) => [`${p}/${k}`, v.data])));
const images = (split: 'train' | 'val', rows: ArrayLike<number>) => {
  const src = data.splits[split].images;
  const out = new Uint8Array(rows.length * 784);
  for (let r = 0; r < rows.length; r++) out.set(src.subarray(rows[r] * 784, (rows[r] + 1) * 784), r * 784);
  return out;
};
const oneHot = (labels: ArrayLike<number>, idx: ArrayLike<number>, c: number) => {
  const out = new Float32Array(idx.length * c);
  for (let r = 0; r < idx.length; r++) out[r * c + labels[idx[r]]] = 1;
  return out;
};
/** Step batches: 160 rows in a fixed shuffled order; the last batch of an epoch is full here. */
const batches = (steps: number) => Array.from({ length: steps }, (_, s) => Int32Array.from({ length: BATCH }, (_, i) => (s * BATCH + i * 7) % 160));

describe('dropout masks', () => {
  it('dropoutMaskData draws exactly what models.ts dropoutMask draws', () => {
    const m = DEFAULTS.model;
    const a = dropoutMaskData(5, m, makeRng(3, 'd'))!;
    const t = dropoutMask(tf, 5, m, makeRng(3, 'd'))!;
    expect(Array.from(a)).toEqual(Array.from(t.dataSync()));
    t.dispose();
    expect(dropoutMaskData(5, { ...m, dropout: 0 }, makeRng(3, 'd'))).toBeNull();
  });

  it('keeps each unit with probability 1 − rate, four units per draw when (1 − rate)·256 is whole', () => {
    const m = DEFAULTS.model; // rate 0.25: byte < 192
    const n = 400; // 400·13·13·16 = 1,081,600 units: sd of the kept fraction ≈ 0.0004
    const mask = dropoutMaskData(n, m, makeRng(5, 'k'))!;
    const kept = mask.reduce((a, v) => a + (v > 0 ? 1 : 0), 0) / mask.length;
    expect(Math.abs(kept - 0.75)).toBeLessThan(0.002);
    expect(new Set(mask)).toEqual(new Set([0, Math.fround(4 / 3)]));
    // a quarter of the draws: the stream after the mask is where 270,400 uint32 draws leave it
    const rng = makeRng(5, 'k');
    dropoutMaskData(n, m, rng);
    const ref = makeRng(5, 'k');
    ref.fillUint32(new Uint32Array(mask.length / 4));
    expect(rng.uint32()).toBe(ref.uint32());
    // rate 0.3 ((1 − rate)·256 = 179.2) draws one uint32 per unit
    const m3 = dropoutMaskData(n, { ...m, dropout: 0.3 }, makeRng(5, 'k'))!;
    expect(Math.abs(m3.reduce((a, v) => a + (v > 0 ? 1 : 0), 0) / m3.length - 0.7)).toBeLessThan(0.002);
  });

  it('unit i takes byte i mod 4 (low first) of draw ⌊i/4⌋, also in a tail of fewer than 4 units', () => {
    const m = { ...DEFAULTS.model, filters: 3 }; // 13·13·3 = 507 units: 126 whole draws and a tail of 3
    const mask = dropoutMaskData(1, m, makeRng(4, 't'))!;
    const draws = makeRng(4, 't').fillUint32(new Uint32Array(127));
    expect(mask.length).toBe(507);
    expect(Array.from(mask)).toEqual(Array.from({ length: 507 }, (_, i) => (((draws[i >> 2] >>> (8 * (i % 4))) & 255) < 192 ? Math.fround(4 / 3) : 0)));
  });

  it('the draws kept between calls change nothing: large, small, other rate, large again — each as drawn alone', () => {
    // The reference: each mask from its own stream with nothing drawn before it in this process's scratch
    // would be the same; here the scratch is grown, reused shorter, and reused by the one-draw-per-unit path.
    const m = DEFAULTS.model;
    const want = (n: number, rate: number, stream: string) => {
      const size = n * 13 * 13 * 16;
      const keep = 1 - rate;
      if (Number.isInteger(keep * 256)) {
        const d = makeRng(9, stream).fillUint32(new Uint32Array(Math.ceil(size / 4)));
        return Array.from({ length: size }, (_, i) => (((d[i >> 2] >>> (8 * (i % 4))) & 255) < keep * 256 ? Math.fround(1 / keep) : 0));
      }
      const d = makeRng(9, stream).fillUint32(new Uint32Array(size));
      return Array.from(d, (u) => (u < keep * 2 ** 32 ? Math.fround(1 / keep) : 0));
    };
    for (const [n, rate, stream] of [[64, 0.25, 'a'], [3, 0.25, 'b'], [5, 0.3, 'c'], [2, 0.5, 'd'], [64, 0.25, 'e']] as const) {
      expect(Array.from(dropoutMaskData(n, { ...m, dropout: rate }, makeRng(9, stream))!), `n ${n}, rate ${rate}`).toEqual(want(n, rate, stream));
    }
  });
});

describe('digit CNN trainer', () => {
  for (const optimizer of ['sgd', 'adam'] as const) {
    it(`${optimizer}: loss curve, weights and logits follow tfjs`, async () => {
      const cfg = config({ optimizer, learningRate: optimizer === 'adam' ? 0.002 : 0.05 });
      const init = initCnn(cfg.model, makeRng(1, 'init'));
      const trainer = await engine.digitCnn({ cfg, data, init, side: 'b', dropout: makeRng(1, 'drop') });
      const ref = new TfRef(tf, cfg, { cnn: init }, 'cnn');
      const refDrop = makeRng(1, 'drop');
      const tr = data.pairs.train;
      try {
        // five full batches, then a short one (an epoch's last batch: N is symbolic in the graphs)
        for (const idx of [...batches(5), Int32Array.from([5, 17, 33, 64, 99, 120, 159])]) {
          const got = await trainer.step(idx);
          const want = ref.step({ x: images('train', idx.map((i) => tr.b[i])), mask: dropoutMaskData(idx.length, cfg.model, refDrop), onehot: oneHot(tr.digitB, idx, 10), rows: idx.length, classes: 10 });
          expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-4);
          expect(got.correct).toBe(want.correct);
        }
        const w = flat(await trainer.weights());
        for (const [k, v] of Object.entries(ref.weights())) expect(scaledDiff(w[k], v), k).toBeLessThan(1e-4);
        const logits = await trainer.logits('val');
        const valRows = data.pairs.val.b;
        const want = tf.tidy(() => cnnLogits(tf, ref.params.cnn, tf.div(tf.tensor4d(Float32Array.from(images('val', valRows)), [valRows.length, 28, 28, 1]), 255) as never, cfg.model).dataSync());
        expect(scaledDiff(logits, want as Float32Array)).toBeLessThan(1e-4);
      } finally {
        ref.dispose();
        await trainer.dispose();
      }
    });
  }

  it('same seed → bit-identical weights; weights()/setWeights() round trip; dispose twice', async () => {
    const cfg = config({ optimizer: 'adam', learningRate: 0.002 });
    const init = initCnn(cfg.model, makeRng(2, 'init'));
    const run = async () => {
      const t = await engine.digitCnn({ cfg, data, init, side: 'a', dropout: makeRng(2, 'drop') });
      const losses = [];
      for (const idx of batches(4)) losses.push((await t.step(idx)).loss);
      return { t, losses, w: await t.weights() };
    };
    const a = await run();
    const b = await run();
    expect(b.losses).toEqual(a.losses);
    for (const [k, v] of Object.entries(flat(a.w))) expect(Buffer.from(flat(b.w)[k].buffer).equals(Buffer.from(v.buffer)), k).toBe(true);
    // restoring the initial weights gives the initial logits back
    const l0 = await a.t.logits('val');
    await a.t.setWeights({ cnn: init });
    const fresh = await engine.digitCnn({ cfg, data, init, side: 'a', dropout: makeRng(2, 'drop') });
    expect(Array.from(await a.t.logits('val'))).toEqual(Array.from(await fresh.logits('val')));
    expect(Array.from(l0)).not.toEqual(Array.from(await fresh.logits('val')));
    await a.t.dispose();
    await a.t.dispose();
    await expect(a.t.step(batches(1)[0])).rejects.toThrow();
    // both onnxruntime sessions are released (the step session and the logits session)
    await expect(a.t.logits('val')).rejects.toThrow(/disposed/);
    await b.t.dispose();
    await fresh.dispose();
  });

  it('rejects weights of the wrong shape with E_MODEL', async () => {
    const cfg = config();
    const init = initCnn({ ...cfg.model, filters: 8 }, makeRng(1, 'init'));
    await expect(engine.digitCnn({ cfg, data, init, side: 'a', dropout: makeRng(1, 'd') })).rejects.toMatchObject({ code: 'E_MODEL' });
    await expect(engine.cnnForward(cfg, init, data.splits.val.images, [0, 1])).rejects.toMatchObject({ code: 'E_MODEL' });
  });
});

describe('cnnForward', () => {
  it('logits and the dense layer match models.ts on MNIST rows', async () => {
    const cfg = config();
    const w = initCnn(cfg.model, makeRng(5, 'init'));
    w.convBias.data = w.convBias.data.map((_, i) => (i % 3) * 0.05);
    const rows = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4, 3]; // 25 rows: one full batch of 20 and a short one
    const got = await engine.cnnForward(cfg, w, data.splits.val.images, rows);
    const p = toVariables(tf, w, 'fwd');
    try {
      const x = () => tf.div(tf.tensor4d(Float32Array.from(images('val', rows)), [rows.length, 28, 28, 1]), 255) as never;
      const logits = tf.tidy(() => cnnLogits(tf, p, x(), cfg.model).dataSync()) as Float32Array;
      expect(scaledDiff(got.logits, logits)).toBeLessThan(2e-5);
      const dense = tf.tidy(() => cnnDense(tf, p, x(), cfg.model).dataSync()) as Float32Array;
      expect(got.dense.length).toBe(rows.length * cfg.model.denseUnits);
      expect(scaledDiff(got.dense, dense)).toBeLessThan(2e-5);
    } finally {
      disposeParams(p);
    }
  });
});

describe('LSTM and model-2 trainers', () => {
  it('model-1 LSTM: loss curve and logits follow tfjs', async () => {
    const cfg = config({ optimizer: 'adam', learningRate: 0.01 });
    const rng = makeRng(4, 'in');
    const inputs = Object.fromEntries((['train', 'val', 'test'] as const).map((s) => [s, { a: Float32Array.from({ length: data.pairs[s].n * 10 }, () => rng.next()), b: Float32Array.from({ length: data.pairs[s].n * 10 }, () => rng.next()) }])) as never;
    const init = initLstm(cfg.model, 10, makeRng(4, 'init'));
    const trainer = await engine.lstm({ cfg, data, init, inputs, inputDim: 10 });
    const ref = new TfRef(tf, cfg, { lstm: init }, 'lstm');
    const rows = (a: Float32Array, idx: Int32Array) => Float32Array.from({ length: idx.length * 10 }, (_, j) => a[idx[Math.floor(j / 10)] * 10 + (j % 10)]);
    try {
      for (const idx of batches(5)) {
        const got = await trainer.step(idx);
        const want = ref.step({ x1: rows((inputs as never as Record<string, { a: Float32Array; b: Float32Array }>).train.a, idx), x2: rows((inputs as never as Record<string, { a: Float32Array; b: Float32Array }>).train.b, idx), onehot: oneHot(data.pairs.train.label, idx, 28), rows: BATCH, classes: 28 });
        expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-4);
      }
      const val = (inputs as never as Record<string, { a: Float32Array; b: Float32Array }>).val;
      const n = data.pairs.val.n;
      const want = tf.tidy(() => lstmLogits(tf, ref.params.lstm, [tf.tensor2d(val.a, [n, 10]), tf.tensor2d(val.b, [n, 10])], cfg.model).dataSync()) as Float32Array;
      expect(scaledDiff(await trainer.logits('val'), want)).toBeLessThan(1e-4);
    } finally {
      ref.dispose();
      await trainer.dispose();
    }
  });

  for (const mode of ['softmax', 'dense'] as const) {
    it(`model-2 (${mode}): loss curve follows tfjs; weights() has every part, dense2 untouched under 'dense'`, async () => {
      const cfg = config({ optimizer: 'sgd', learningRate: 0.1 }, { model2Input: mode, filters: 8, denseUnits: 32, lstmUnits: 16 }); // narrow: tfjs cpu is the slow part
      const init = { cnn1: initCnn(cfg.model, makeRng(6, 'a')), cnn2: initCnn(cfg.model, makeRng(6, 'b')), lstm: initLstm(cfg.model, mode === 'dense' ? cfg.model.denseUnits : 10, makeRng(6, 'l')) };
      const trainer = await engine.model2({ cfg, data, init, dropoutA: makeRng(6, 'da'), dropoutB: makeRng(6, 'db') });
      const ref = new TfRef(tf, cfg, init, 'model2', mode);
      const da = makeRng(6, 'da');
      const db = makeRng(6, 'db');
      const tr = data.pairs.train;
      try {
        for (const idx of batches(3)) {
          const got = await trainer.step(idx);
          const want = ref.step({
            xa: images('train', idx.map((i) => tr.a[i])), xb: images('train', idx.map((i) => tr.b[i])),
            maskA: dropoutMaskData(BATCH, cfg.model, da), maskB: dropoutMaskData(BATCH, cfg.model, db), onehot: oneHot(tr.label, idx, 28), rows: BATCH, classes: 28,
          });
          expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-4);
          expect(got.correct).toBe(want.correct);
        }
        const w = await trainer.weights();
        expect(Object.keys(w).sort()).toEqual(['cnn1', 'cnn2', 'lstm']);
        for (const [k, v] of Object.entries(ref.weights())) expect(scaledDiff(flat(w)[k], v), k).toBeLessThan(1e-4);
        if (mode === 'dense') expect(Array.from(w.cnn1.dense2Kernel.data)).toEqual(Array.from(init.cnn1.dense2Kernel.data));
        expect((await trainer.logits('test')).length).toBe(data.pairs.test.n * 28);
      } finally {
        ref.dispose();
        await trainer.dispose();
      }
    });
  }
});

describe('engine selection', () => {
  it("runtime.backend 'onnxruntime' and 'auto' load this engine; the config accepts the name", async () => {
    expect((await loadEngine('onnxruntime')).name).toBe('onnxruntime');
    expect((await loadEngine('auto')).name).toBe('onnxruntime');
    const cfg = resolveConfig([{ source: 'test', config: { runtime: { backend: 'onnxruntime' } } }]);
    expect(cfg.runtime.backend).toBe('onnxruntime');
    expect(plannedBackend(cfg)).toBe('onnxruntime');
    expect(plannedBackend({ ...cfg, runtime: { ...cfg.runtime, backend: 'auto' } })).toBe('onnxruntime');
    expect(() => resolveConfig([{ source: 'test', config: { runtime: { backend: 'onnx' as never } } }])).toThrow(/runtime.backend/);
  });
});

describe('onnx.checker (python3-onnx) on training graphs', () => {
  const python = pythonWithOnnx();
  if (!python) console.log('skipping onnx.checker test: python3 with the onnx module (Debian: apt-get install python3-onnx) not found');
  it.skipIf(!python)('CNN, LSTM and model-2 step graphs pass check_model(full_check=True)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fs-ort-train-'));
    try {
      const files = [
        ['cnn-adam', cnnStepModel(config({ optimizer: 'adam' })).bytes],
        ['lstm-momentum', lstmStepModel(config({ momentum: 0.9 }), 10).bytes],
        ['model2-dense-sgd', model2StepModel(config({}, { model2Input: 'dense', pool: 'avg', kernelSize: 4 })).bytes],
      ].map(([name, bytes]) => {
        const f = join(dir, `${name as string}.onnx`);
        writeFileSync(f, bytes as Uint8Array);
        return f;
      });
      const script = 'import onnx,sys\nfor f in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(f), full_check=True)\n    print("ok", f)';
      expect(execFileSync(python!, ['-c', script, ...files], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(files.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
