/**
 * Correctness of src/worker/wasm-kernels.ts: every fixed kernel (output, and the gradient through the op
 * that uses it) on wasm must equal the cpu backend, and small cases also a naive JS reference.
 * Tolerance: |wasm - ref| <= 1e-4 * max|ref| + 1e-6 per element (relative to the tensor's scale: float32
 * sums over up to 86k terms, e.g. the study's filter gradient, cannot be compared element-relative).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { FIXED_KERNELS, registerWasmKernelFixes, restoreWasmKernels } from '../src/worker/wasm-kernels.ts';

vi.setConfig({ testTimeout: 120_000 }); // the cpu reference is slow on the study's shapes

let seed = 12345;
function rand(n: number, relu = false): Float32Array { // seeded normal-ish values (LCG + Box-Muller)
  const out = new Float32Array(n);
  const u = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  for (let i = 0; i < n; i++) {
    const v = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    out[i] = relu ? Math.max(0, v) : v;
  }
  return out;
}
type Arr = Float32Array | Int32Array;
type Data = { v: Arr; s: number[] }[];
/** Runs f on `backend` with fresh tensors built from `data`, returns flat outputs. */
async function on(backend: string, data: Data, f: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const ts = data.map((d) => tf.tensor(d.v, d.s, d.v instanceof Int32Array ? 'int32' : 'float32'));
  const res = tf.tidy(() => f(...ts));
  const outs = (Array.isArray(res) ? res : [res]).map((r) => Float32Array.from(r.dataSync()));
  tf.dispose([res as tf.Tensor, ...ts]);
  return outs;
}
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string) {
  expect(got.length, `${what}: length`).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  const tol = 1e-4 * scale + 1e-6;
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= worst)) { worst = e; at = i; } // also catches NaN
  }
  expect(worst <= tol, `${what}: max err ${worst} at ${at} (got ${got[at]}, want ${want[at]}, tol ${tol})`).toBe(true);
}
/** wasm (with fixes) vs cpu, every output of f. */
async function vsCpu(data: Data, f: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[], what: string) {
  const w = await on('wasm', data, f);
  const c = await on('cpu', data, f);
  w.forEach((o, i) => expectClose(o, c[i], `${what} [output ${i}]`));
  return w;
}
const run = (name: string, inputs: tf.NamedTensorMap, attrs: object) =>
  tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;

beforeAll(async () => {
  setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  expect(registerWasmKernelFixes(tf)).toEqual([...FIXED_KERNELS]);
});
afterAll(async () => {
  await tf.setBackend('wasm');
  restoreWasmKernels(tf);
});

describe('registration', () => {
  it('is idempotent and reversible', async () => {
    await tf.setBackend('wasm');
    const before = FIXED_KERNELS.map((n) => tf.getKernel(n, 'wasm'));
    expect(registerWasmKernelFixes(tf)).toEqual([...FIXED_KERNELS]);
    FIXED_KERNELS.forEach((n, i) => expect(tf.getKernel(n, 'wasm')).toBe(before[i]));
    expect(restoreWasmKernels(tf)).toEqual([...FIXED_KERNELS]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(() => tf.grad((k: tf.Tensor) => tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, k as tf.Tensor4D, 1, 'valid'))(tf.ones([2, 2, 1, 1])))
      .toThrow(/Conv2DBackpropFilter/);
    expect(registerWasmKernelFixes(tf, { only: ['Slice'] })).toEqual(['Slice']);
    expect(registerWasmKernelFixes(tf)).toEqual([...FIXED_KERNELS]);
    // replaced kernels keep the original setupFunc (it binds the wasm export)
    expect(tf.getKernel('BatchMatMul', 'wasm')!.setupFunc).toBeTypeOf('function');
  });
});

describe('Conv2DBackpropFilter', () => {
  // [x shape, filter shape, strides, pad]
  const cases: [number[], number[], number | [number, number], 'valid' | 'same' | number][] = [
    [[128, 28, 28, 1], [3, 3, 1, 16], 1, 'valid'], // the study's conv
    [[2, 7, 9, 3], [3, 2, 3, 4], 2, 'same'],
    [[3, 8, 8, 2], [2, 2, 2, 5], [1, 2], 1],
    [[1, 11, 10, 1], [4, 3, 1, 2], 3, 'valid'],
    [[3, 9, 7, 1], [3, 3, 1, 5], 1, 'valid'], // direct 1-channel 3x3 loop, other sizes
    [[2, 6, 6, 1], [3, 3, 1, 2], 1, 'same'], [[2, 7, 7, 1], [3, 3, 1, 3], 2, 'valid'], // 1 channel, im2col path
    [[2, 5, 6, 2], [3, 3, 2, 3], [2, 1], 'same'],
    [[3, 10, 9, 1], [3, 3, 1, 32], 1, 'valid'], [[2, 8, 7, 1], [5, 2, 1, 16], 1, 'valid'], // 1 channel, SIMD path
    [[2, 6, 6, 1], [6, 1, 1, 16], 1, 'valid'], [[2, 5, 5, 1], [2, 2, 1, 3], 1, 'valid'], // single output row; im2col
  ];
  for (const [xs, fs, strides, pad] of cases) {
    it(`grad of conv2d x${xs} f${fs} s${strides} pad ${pad} matches cpu`, async () => {
      const out = [xs[0], 0, 0, fs[3]];
      const y = tf.conv2d(tf.zeros(xs as [number, number, number, number]), tf.zeros(fs as [number, number, number, number]) as tf.Tensor4D, strides, pad) as tf.Tensor4D;
      out[1] = y.shape[1]; out[2] = y.shape[2]; y.dispose();
      const data: Data = [{ v: rand(xs.reduce((a, b) => a * b)), s: xs }, { v: rand(fs.reduce((a, b) => a * b)), s: fs },
        { v: rand(out.reduce((a, b) => a * b)), s: out }];
      await vsCpu(data, (x, f, w) => {
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad), w)))([x, f]);
        const k = run('Conv2DBackpropFilter', { x, dy: w }, { strides, pad, dataFormat: 'NHWC', filterShape: fs });
        return [df, dx, k];
      }, 'conv2d grads');
    });
  }
  it('matches a naive reference (stride 2, same padding)', async () => {
    const xs = [2, 5, 6, 2], fs = [3, 2, 2, 3];
    const x = rand(120), dy = rand(2 * 3 * 3 * 3);
    const [got] = await on('wasm', [{ v: x, s: xs }, { v: dy, s: [2, 3, 3, 3] }], (a, b) =>
      run('Conv2DBackpropFilter', { x: a, dy: b }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: fs }));
    // same, stride 2: out 3x3; pad total rows = max((3-1)*2+3-5,0)=2 -> top 1; cols (3-1)*2+2-6=0 -> left 0
    const want = new Float32Array(3 * 2 * 2 * 3);
    for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 2; kw++) for (let ci = 0; ci < 2; ci++) for (let co = 0; co < 3; co++) {
      let s = 0;
      for (let n = 0; n < 2; n++) for (let oh = 0; oh < 3; oh++) for (let ow = 0; ow < 3; ow++) {
        const ih = oh * 2 + kh - 1, iw = ow * 2 + kw;
        if (ih >= 0 && ih < 5 && iw >= 0 && iw < 6) s += x[((n * 5 + ih) * 6 + iw) * 2 + ci] * dy[((n * 3 + oh) * 3 + ow) * 3 + co];
      }
      want[((kh * 2 + kw) * 2 + ci) * 3 + co] = s;
    }
    expectClose(got, want, 'naive conv filter grad');
  });
  it('SIMD module: instantiated on the backend memory; the 1-channel result survives memory growth', async () => {
    await tf.setBackend('wasm');
    const { simdKernels } = await import('../src/worker/wasm-kernels-simd.ts');
    expect(simdKernels((tf.backend() as unknown as { wasm: { asm: { memory: unknown } } }).wasm.asm.memory)).toBeTypeOf('function');
    expect(simdKernels({})).toBeNull();
    const xs = [4, 9, 8, 1], dys = [4, 7, 6, 16];
    const data: Data = [{ v: rand(4 * 72), s: xs }, { v: rand(4 * 42 * 16), s: dys }];
    const f = (a: tf.Tensor, b: tf.Tensor) => run('Conv2DBackpropFilter', { x: a, dy: b }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 1, 16] });
    const [first] = await on('wasm', data, f);
    const pages = ((tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory.buffer.byteLength);
    const big = tf.zeros([pages / 2]); // grows the heap (2x its size) between two identical calls
    const [second] = await on('wasm', data, f);
    big.dispose();
    const [want] = await on('cpu', data, f);
    expectClose(first, want, 'simd conv filter grad');
    expectClose(second, want, 'simd conv filter grad after memory growth');
  });
  it('rejects NCHW with a clear error', async () => {
    await tf.setBackend('wasm');
    expect(() => run('Conv2DBackpropFilter', { x: tf.ones([1, 1, 4, 4]), dy: tf.ones([1, 1, 3, 3]) },
      { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [2, 2, 1, 1] })).toThrow(/NCHW.*not supported/);
  });
});

describe('BatchMatMul', () => {
  const shapes: [number[], number[], boolean, boolean][] = [
    [[128, 2704], [2704, 128], false, false], [[128, 2704], [128, 128], true, false], // study: x^T·dy
    [[128, 128], [2704, 128], false, true], // study: dy·W^T
    [[7, 13], [5, 7], true, true], [[1, 9, 4], [1, 6, 4], false, true], [[3, 5, 4], [3, 5, 2], true, false], // batched: original kernel
    [[1, 3, 4], [1, 4, 6], false, false], // rank 3, batch 1: grads take the transpose path
    [[1, 4, 3], [1, 20, 3], false, true], [[5, 3], [40, 3], false, true], // A·Bᵀ as (B·Aᵀ)ᵀ
  ];
  for (const [as, bs, ta, tb] of shapes) {
    it(`matMul a${as} b${bs} tA=${ta} tB=${tb}: output and grads match cpu`, async () => {
      const data: Data = [{ v: rand(as.reduce((p, q) => p * q)), s: as }, { v: rand(bs.reduce((p, q) => p * q)), s: bs }];
      await vsCpu(data, (a, b) => {
        const y = tf.matMul(a, b, ta, tb);
        const w = tf.sin(tf.range(0, y.size).reshape(y.shape)); // fixed non-uniform upstream gradient
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, ta, tb), w)))([a, b]);
        return [y, da, db];
      }, 'matMul');
    });
  }
  it('matches a naive reference (transposeA and transposeB)', async () => {
    const a = rand(7 * 3), b = rand(5 * 7);
    const [got] = await on('wasm', [{ v: a, s: [7, 3] }, { v: b, s: [5, 7] }], (p, q) => tf.matMul(p, q, true, true));
    const want = new Float32Array(15);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 7; k++) want[i * 5 + j] += a[k * 3 + i] * b[j * 7 + k];
    expectClose(got, want, 'naive matMul');
  });
});

describe('MaxPoolGrad', () => {
  const cases: [number[], number, number, 'valid' | 'same'][] = [
    [[128, 26, 26, 16], 2, 2, 'valid'], // the study's pool, relu'd input (many all-zero windows = ties)
    [[2, 7, 9, 3], 2, 2, 'valid'], [[2, 7, 9, 3], 2, 2, 'same'], [[1, 8, 8, 2], 3, 2, 'same'],
    [[2, 6, 5, 4], 3, 1, 'same'], [[2, 6, 6, 1], 2, 1, 'valid'], [[1, 9, 9, 2], 3, 3, 'valid'],
  ];
  for (const [xs, f, s, pad] of cases) {
    it(`maxPool x${xs} f${f} s${s} ${pad}: output and grad match cpu`, async () => {
      const y = tf.maxPool(tf.zeros(xs as [number, number, number, number]) as tf.Tensor4D, f, s, pad);
      const ys = y.shape; y.dispose();
      const data: Data = [{ v: rand(xs.reduce((a, b) => a * b), true), s: xs }, { v: rand(ys.reduce((a, b) => a * b)), s: ys }];
      await vsCpu(data, (x, w) => {
        const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, f, s, pad), w)))(x);
        return [tf.maxPool(x as tf.Tensor4D, f, s, pad), g];
      }, 'maxPool');
    });
  }
  it('gives the gradient to the first maximum of a tie, none to NaN windows (naive reference)', async () => {
    // x laid out as [1, 4, 4, 1]: windows (2x2, stride 2) of rows 0-1 and 2-3
    const img = Float32Array.from([0, 0, 1, 3, 0, 0, 3, 2, NaN, NaN, -Infinity, -Infinity, NaN, NaN, -Infinity, -Infinity]);
    const dy = Float32Array.from([10, 20, 30, 40]);
    const [got] = await on('wasm', [{ v: img, s: [1, 4, 4, 1] }, { v: dy, s: [1, 2, 2, 1] }], (a, b) =>
      tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, 2, 2, 'valid'), b)))(a));
    expect(Array.from(got)).toEqual([10, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('Slice', () => {
  const cases: [number[], number[], number[]][] = [
    [[2, 3, 4, 5, 6], [0, 1, 0, 0, 0], [2, 2, 4, 5, 6]], [[2, 3, 4, 5, 6], [1, 0, 2, 1, 3], [1, 3, 2, 3, -1]],
    [[3, 2, 5, 4, 7], [0, 0, 0, 0, 2], [-1, -1, -1, -1, 3]], [[2, 3, 2, 3, 2, 3], [1, 1, 0, 1, 1, 0], [1, 2, 2, 2, 1, 3]],
    [[2, 3, 4, 5, 6], [0, 0, 0, 0, 0], [0, 3, 4, 5, 6]], // empty
    [[4, 6, 8, 3], [1, 2, 3, 0], [2, 3, 4, 3]], // rank 4: original kernel
  ];
  for (const [xs, begin, size] of cases) {
    it(`slice x${xs} begin ${begin} size ${size}: output and grad match cpu`, async () => {
      const n = xs.reduce((a, b) => a * b);
      await vsCpu([{ v: rand(n), s: xs }], (x) => {
        const y = tf.slice(x, begin, size);
        const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.slice(z, begin, size), tf.sin(tf.range(0, y.size).reshape(y.shape)))))(x);
        return [y, g];
      }, 'slice');
      const [gotInt] = await on('wasm', [{ v: Int32Array.from({ length: n }, (_, i) => i), s: xs }], (x) => tf.slice(x, begin, size));
      const [wantInt] = await on('cpu', [{ v: Int32Array.from({ length: n }, (_, i) => i), s: xs }], (x) => tf.slice(x, begin, size));
      expect(Array.from(gotInt)).toEqual(Array.from(wantInt)); // int32: exact, and checks the index math
    });
  }
});

describe('Sum', () => {
  // [x shape, axis, keepDims]
  const cases: [number[], number | number[], boolean][] = [
    [[128, 26, 26, 16], [0, 1, 2], false], // the study's conv bias gradient
    [[4, 5, 3], 0, false], [[2, 3, 4], [1, 0], true], [[3, 4, 5, 6], [-4, -3, -2], false], [[5, 7, 16], [0, 1], true],
    [[3, 4, 5], 1, false], [[3, 4, 5], [0, 2], false], [[3, 4], [0, 1], false], [[6], 0, false], // original kernel
  ];
  for (const [xs, axis, keepDims] of cases) {
    it(`sum x${xs} axis ${axis} keepDims ${keepDims}: output and grad match cpu`, async () => {
      await vsCpu([{ v: rand(xs.reduce((a, b) => a * b)), s: xs }], (x) => {
        const y = tf.sum(x, axis, keepDims);
        const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.sum(z, axis, keepDims), tf.sin(tf.range(0, y.size).reshape(y.shape)))))(x);
        return [y, g];
      }, 'sum');
    });
  }
  it('matches a naive reference; int32 goes to the original kernel', async () => {
    const v = rand(3 * 5 * 4);
    const [got] = await on('wasm', [{ v, s: [3, 5, 4] }], (x) => tf.sum(x, [0, 1]));
    const want = new Float32Array(4);
    for (let i = 0; i < 60; i++) want[i % 4] += v[i];
    expectClose(got, want, 'naive sum');
    const [gi] = await on('wasm', [{ v: Int32Array.from({ length: 60 }, (_, i) => i), s: [3, 5, 4] }], (x) => tf.sum(x, [0, 1]));
    expect(Array.from(gi)).toEqual([0, 1, 2, 3].map((j) => Array.from({ length: 15 }, (_, r) => 4 * r + j).reduce((a, b) => a + b)));
  });
});

describe('Identity and Cast', () => {
  it('clone / same-dtype cast share data, other casts convert; values and disposal are independent', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.tensor([1.5, -2.25, 3, 0], [2, 2]);
    const d0 = backend.numDataIds();
    const c = tf.clone(x), f = tf.cast(x, 'float32'), i = tf.cast(x, 'int32');
    expect(backend.numDataIds()).toBe(d0 + 1); // clone and float32 cast share x's data; int32 is a copy
    expect(c.dtype).toBe('float32');
    expect(Array.from(c.dataSync())).toEqual([1.5, -2.25, 3, 0]);
    expect(Array.from(f.dataSync())).toEqual([1.5, -2.25, 3, 0]);
    const ic = await on('cpu', [{ v: Float32Array.from([1.5, -2.25, 3, 0]), s: [2, 2] }], (t) => tf.cast(t, 'int32'));
    expect(Array.from(i.dataSync())).toEqual(Array.from(ic[0]));
    await tf.setBackend('wasm');
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1.5, -2.25, 3, 0]); // still alive after x is gone
    c.dispose();
    expect(Array.from(f.dataSync())).toEqual([1.5, -2.25, 3, 0]);
    tf.dispose([f, i]);
    expect(backend.numDataIds()).toBe(d0 - 1);
    const s = tf.clone(tf.tensor(['a', 'b'])); // strings: original kernel
    expect(await s.array()).toEqual(['a', 'b']);
    s.dispose();
  });
});

describe('resources', () => {
  it('leaks no tensors or wasm buffers in a training step, nothing extra on the tape', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const kb = tf.variable(tf.zeros([4]));
    const k = tf.variable(tf.randomNormal([3, 3, 1, 4])), w = tf.variable(tf.randomNormal([13 * 13 * 4, 10]));
    const x = tf.randomNormal([5, 28, 28, 1]) as tf.Tensor4D, five = tf.randomNormal([2, 3, 4, 5, 6]);
    const opt = tf.train.sgd(0.01);
    const step = () => opt.minimize(() => {
      const p = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, k as tf.Tensor4D, 1, "valid"), kb)) as tf.Tensor4D, 2, 2, 'valid');
      const s = tf.sum(tf.slice(five, [0, 1, 0, 0, 0], [2, 2, 4, 5, 6]));
      return tf.add(tf.sum(tf.matMul(tf.reshape(p, [5, -1]), w)), s) as tf.Scalar;
    }, false, [k, kb, w]);
    step();
    const t0 = tf.memory().numTensors, d0 = backend.numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(t0);
    expect(backend.numDataIds()).toBe(d0);
    // direct kernel calls: one output tensor each, nothing else
    const ones = tf.ones([5, 26, 26, 4]);
    const n0 = tf.memory().numTensors, dd0 = backend.numDataIds();
    const outs = [run('Conv2DBackpropFilter', { x, dy: ones }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 1, 4] }),
      tf.matMul(w, w, true, false)];
    expect(tf.memory().numTensors).toBe(n0 + 2);
    expect(backend.numDataIds()).toBe(dd0 + 2);
    tf.dispose([...outs, ones, k, kb, w, x, five]);
  });
});
