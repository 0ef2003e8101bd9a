/**
 * Correctness of src/ml/kernels/index.ts: every fixed kernel (output, and the gradient through the op
 * that uses it) on wasm must equal the cpu backend, and small cases also a naive JS reference.
 * Tolerance: |wasm - ref| <= 1e-4 * max|ref| + 1e-6 per element (relative to the tensor's scale: float32
 * sums over up to 86k terms, e.g. the study's filter gradient, cannot be compared element-relative).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '../src/ml/tfjs.ts';
import '@tensorflow/tfjs-backend-wasm';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { FIXED_KERNELS, registerWasmKernelFixes, restoreWasmKernels } from '../src/ml/kernels/index.ts';
import { maxPoolGrad2x2 } from '../src/ml/kernels/loops.ts';

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
    const { simdKernels } = await import('../src/ml/kernels/simd.ts');
    const k = simdKernels((tf.backend() as unknown as { wasm: { asm: { memory: unknown } } }).wasm.asm.memory);
    expect(k?.tapGrad16).toBeTypeOf('function');
    expect(k?.maxPoolGrad2x2).toBeTypeOf('function');
    expect(k?.biasAdd).toBeTypeOf('function');
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
        const w = tf.sin(tf.reshape(tf.range(0, y.size), y.shape)); // fixed non-uniform upstream gradient
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
    // SIMD 2x2/s2 path (C % 4 == 0), even and odd sizes; C 6 and 'same' go to the JS loops
    [[3, 6, 8, 4], 2, 2, 'valid'], [[2, 7, 5, 8], 2, 2, 'valid'], [[1, 2, 2, 32], 2, 2, 'valid'], [[2, 5, 3, 12], 2, 2, 'valid'],
    [[2, 6, 6, 6], 2, 2, 'valid'], [[2, 5, 7, 16], 2, 2, 'same'], [[1, 3, 5, 4], 2, 2, 'valid'],
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
  /** Naive first-maximum reference for 2x2/s2/valid NHWC (strict '>' from -Infinity, as the cpu backend). */
  function naive2x2(x: Float32Array, dy: Float32Array, N: number, H: number, W: number, C: number): Float32Array {
    const OH = H >> 1, OW = W >> 1, dx = new Float32Array(x.length);
    for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let c = 0; c < C; c++) {
      let best = -Infinity, at = -1;
      for (const [r, q] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
        const i = ((n * H + 2 * oh + r) * W + 2 * ow + q) * C + c;
        if (x[i] > best) { best = x[i]; at = i; }
      }
      if (at >= 0) dx[at] = dy[((n * OH + oh) * OW + ow) * C + c];
    }
    return dx;
  }
  /** Every 2x2 window pattern over {NaN, -Inf, -0, 0, 1, 2, +Inf} (7^4 = 2401 windows), one per (window, channel). */
  function trickyWindows(C: number): { x: Float32Array; dy: Float32Array; H: number; W: number; N: number } {
    const vals = [NaN, -Infinity, -0, 0, 1, 2, Infinity];
    const count = vals.length ** 4, N = Math.ceil(count / (C * 4 * 5)), H = 8, W = 11; // 4x5 windows per image, W odd
    const x = rand(N * H * W * C), dy = rand(N * 4 * 5 * C);
    dy[0] = -0; dy[1] = NaN; // dy bits are copied through
    for (let k = 0; k < N * 20 * C; k++) {
      const p = k % count, c = k % C, win = Math.floor(k / C), n = Math.floor(win / 20), oh = Math.floor(win / 5) % 4, ow = win % 5;
      [Math.floor(p / 343) % 7, Math.floor(p / 49) % 7, Math.floor(p / 7) % 7, p % 7].forEach((vi, t) => {
        x[((n * H + 2 * oh + (t >> 1)) * W + 2 * ow + (t & 1)) * C + c] = vals[vi];
      });
    }
    return { x, dy, H, W, N };
  }
  for (const C of [16, 4, 8, 3]) {
    it(`2x2/s2 with ties, NaN, ±Inf, -0 (C=${C}${C % 4 ? ', JS loop' : ', SIMD'}): bit-exact vs naive reference, JS loop and cpu`, async () => {
      const { x, dy, H, W, N } = trickyWindows(C);
      const data: Data = [{ v: x, s: [N, H, W, C] }, { v: dy, s: [N, 4, 5, C] }];
      const f = (a: tf.Tensor, b: tf.Tensor) => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(z as tf.Tensor4D, 2, 2, 'valid'), b)))(a);
      const [got] = await on('wasm', data, (a, b) => run('MaxPoolGrad', { dy: b, input: a, output: tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid') },
        { filterSize: 2, strides: 2, pad: 'valid' }));
      const want = naive2x2(x, dy, N, H, W, C);
      const js = new Float32Array(x.length);
      maxPoolGrad2x2(x, dy, js, N, H, W, C, 4, 5);
      const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
      expect(bits(got)).toEqual(bits(want));
      expect(bits(js)).toEqual(bits(want)); // the no-SIMD fallback gives the same bits
      const [viaGrad] = await on('wasm', data, f);
      const [cpu] = await on('cpu', data, f);
      // the cpu gradient goes through mul by dy, so compare values (NaN dy stays NaN, -0 may become +0)
      expect(Array.from(viaGrad).map((v) => (v === 0 ? 0 : v))).toEqual(Array.from(cpu).map((v) => (v === 0 ? 0 : v)));
    });
  }
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
        const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.slice(z, begin, size), tf.sin(tf.reshape(tf.range(0, y.size), y.shape)))))(x);
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
        const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.sum(z, axis, keepDims), tf.sin(tf.reshape(tf.range(0, y.size), y.shape)))))(x);
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

describe('Add (bias broadcast)', () => {
  // [a shape, b shape]: SIMD path when one operand is a [C] / [1,..,1,C] bias of the other and C % 4 == 0
  const cases: [number[], number[]][] = [
    [[128, 26, 26, 16], [16]], // the study's conv bias
    [[128, 128], [128]], [[16], [5, 16]], [[2, 3, 8], [1, 1, 8]], [[1, 4], [3, 1, 4]], [[4], [4]], [[0, 8], [8]],
    [[5, 6], [6]], [[5, 16], [5, 16]], [[5, 16], [5, 1]], [[3, 4], []], [[2, 1, 8], [1, 3, 8]], // original kernel
  ];
  for (const [as, bs] of cases) {
    it(`add a[${as}] + b[${bs}]: output (bit-exact) and grads match cpu`, async () => {
      const data: Data = [{ v: rand(as.reduce((p, q) => p * q, 1)), s: as }, { v: rand(bs.reduce((p, q) => p * q, 1)), s: bs }];
      const w = await vsCpu(data, (a, b) => {
        const y = tf.add(a, b);
        // upstream 1.5 + sin: the bias gradient sums ~86k terms; without the offset they cancel to ~0.07 and
        // the cpu backend's float32 sum is too inexact to be a reference
        const u = tf.add(1.5, tf.sin(tf.reshape(tf.range(0, y.size), y.shape)));
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.add(p, q), u)))([a, b]);
        return [y, da, db];
      }, 'add');
      const [c] = await on('cpu', data, (a, b) => tf.add(a, b));
      expect(Array.from(w[0])).toEqual(Array.from(c));
    });
  }
  it('int32 goes to the original kernel; NaN / Inf propagate', async () => {
    const [gi] = await on('wasm', [{ v: Int32Array.from({ length: 8 }, (_, i) => i), s: [2, 4] }, { v: Int32Array.from([10, 20, 30, 40]), s: [4] }],
      (a, b) => tf.add(a, b));
    expect(Array.from(gi)).toEqual([10, 21, 32, 43, 14, 25, 36, 47]);
    const [gf] = await on('wasm', [{ v: Float32Array.from([NaN, 1, Infinity, -0, 2, 3, 4, 5]), s: [2, 4] }, { v: Float32Array.from([1, 1, -Infinity, -0]), s: [4] }],
      (a, b) => tf.add(a, b));
    expect(Array.from(gf)).toEqual([NaN, 2, NaN, -0, 3, 4, -Infinity, 5]);
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
    const ones = tf.ones([5, 26, 26, 4]), pdy = tf.ones([5, 13, 13, 4]);
    const n0 = tf.memory().numTensors, dd0 = backend.numDataIds();
    const outs = [run('Conv2DBackpropFilter', { x, dy: ones }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 1, 4] }),
      tf.matMul(w, w, true, false), tf.add(ones, kb), run('MaxPoolGrad', { dy: pdy, input: ones, output: ones }, { filterSize: 2, strides: 2, pad: 'valid' })];
    expect(tf.memory().numTensors).toBe(n0 + 4);
    expect(backend.numDataIds()).toBe(dd0 + 4);
    tf.dispose([...outs, ones, pdy, k, kb, w, x, five]);
  });
});
