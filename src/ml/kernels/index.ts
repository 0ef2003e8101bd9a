/**
 * Kernel fixes for the tfjs 4.22 'wasm' backend, so the study's CNN / model-2 can train on it.
 *
 * - Conv2DBackpropFilter (conv-grad.ts): missing on wasm (tf.grad of conv2d w.r.t. the filter throws). 1 input channel,
 *   stride 1, 'valid', Cout % 16 == 0 (the study's conv): a hand-assembled wasm SIMD loop on the backend's
 *   heap (simd.ts); without wasm SIMD, 3x3: a direct JS loop (loops.ts).
 *   Otherwise im2col written straight into the wasm heap + one plain BatchMatMul (XNNPACK fully-connected).
 *   BatchMatMul A·Bᵀ with B much larger than A runs as (B·Aᵀ)ᵀ (XNNPACK then packs the small side).
 * - BatchMatMul with transposeA/transposeB: the stock C++ kernel only uses XNNPACK when neither flag is
 *   set, otherwise it runs a scalar triple loop. matMul gradients always set a flag
 *   (dA = dY·Bᵀ, dB = Aᵀ·dY), so we transpose explicitly (wasm Transpose) and call the plain kernel.
 * - MaxPoolGrad: dy goes to the first max of each window, on the heap (2x2/s2/pad-0 path writes each
 *   dx once, with the SIMD module when C % 4 == 0, else a JS loop; general filter/stride/pad path in JS;
 *   non-float32 falls back to the original kernel).
 * - Slice of rank >= 5: the stock kernel falls back to the cpu backend's per-element sliceImpl. We collapse
 *   dimensions and copy contiguous runs. Rank <= 4 and strings go to the original kernel.
 * - Sum over leading axes (conv bias gradient): column sums in JS instead of transpose + reduce.
 * - Add of a [C] bias broadcast over x [..., C] (C % 4 == 0): one pass of the SIMD module.
 * - Identity, and Cast to the same dtype: zero-copy (shared data, refcount), as on the cpu backend; the
 *   engine clones every tensor saved for the backward pass through Identity.
 *
 * Kernels work on TensorInfos and call other kernels' kernelFuncs directly (never through the engine),
 * so nothing is recorded on the gradient tape and no engine tensors are created; every intermediate
 * TensorInfo is released with backend.disposeData.
 *
 * Every call is tallied by the implementation it ran (paths.ts: SIMD module, JS loop or tfjs' own
 * kernel), and a call that fell back from the SIMD module because it was unavailable is marked, so
 * each seed records its kernel paths and a slow fallback is a warning (set FILTERSTUDY_NO_SIMD=1
 * to see it). The SIMD module's source text is simd.wat.
 */
import type * as tfType from '../tfjs.ts';
import { makeConv2DBackpropFilter } from './conv-grad.ts';
import { columnSums, maxPoolGrad2x2 } from './loops.ts';
import { countPath, FIXED_KERNELS, type FixedKernel } from './paths.ts';
import { call, heapF32, simdOf, size, type Info, type KFunc } from './wasm-heap.ts';

type TF = typeof tfType;

/** Marks configs registered by us; the value is the original config (null if there was none). */
const FIX = Symbol.for('filterstudy.wasmKernelFix');
type FixedConfig = tfType.KernelConfig & { [FIX]?: tfType.KernelConfig | null };

export { FIXED_KERNELS, type FixedKernel };
export { disableSimd } from './wasm-heap.ts';

// ---------------------------------------------------------------- BatchMatMul
/**
 * a [..., M, K] (or [..., K, M] if transposeA), b [..., K, P] (or [..., P, K] if transposeB).
 * When a flag is set and the batch size is 1 (every 2-D matMul), transpose the flagged input(s) with
 * the wasm Transpose kernel and run the un-flagged kernel (XNNPACK). Batched (>1) or non-float32
 * matmuls go unchanged to the original kernel.
 */
function makeBatchMatMul(orig: tfType.KernelConfig, transpose: tfType.KernelConfig): KFunc {
  return (args) => {
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs;
    if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32' ||
        size(a.shape.slice(0, -2)) !== 1 || size(b.shape.slice(0, -2)) !== 1) {
      countPath('BatchMatMul', 'tfjs');
      return call(orig, args);
    }
    countPath('BatchMatMul', 'transposed');
    const be = args.backend;
    const swapLast2 = (t: Info) => {
      const perm = t.shape.map((_, i) => i);
      const r = perm.length;
      [perm[r - 2], perm[r - 1]] = [r - 1, r - 2];
      return call(transpose, { inputs: { x: t }, backend: be, attrs: { perm } });
    };
    const r = a.shape.length;
    if (!transposeA && r === b.shape.length) {
      // A·Bᵀ, A [M,K], B [N,K]. XNNPACK packs its right operand on every call (the operator cache is
      // keyed by tensor ids, and variables get new ids every step), so transposing B costs a copy plus a
      // pack of N·K floats; (B·Aᵀ)ᵀ instead packs Aᵀ (M·K) and transposes the output (M·N). For the
      // study's dX = dY·W1ᵀ (M=128, N=2704, K=128) that is 0.9 ms faster.
      const M = a.shape[r - 2], K = a.shape[r - 1], N = b.shape[r - 2];
      if (2 * M * K + M * N < 2 * N * K) {
        const at = swapLast2(a);
        let bat: Info | undefined;
        try {
          bat = call(orig, { inputs: { a: b, b: at }, backend: be, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
          return swapLast2(bat);
        } finally {
          be.disposeData(at.dataId);
          if (bat) be.disposeData(bat.dataId);
        }
      }
    }
    const a2 = transposeA ? swapLast2(a) : a;
    const b2 = transposeB ? swapLast2(b) : b;
    try {
      return call(orig, { inputs: { a: a2, b: b2 }, backend: be, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    } finally {
      if (a2 !== a) be.disposeData(a2.dataId);
      if (b2 !== b) be.disposeData(b2.dataId);
    }
  };
}

// ---------------------------------------------------------------- MaxPoolGrad
/**
 * inputs: dy [N,OH,OW,C], input x [N,H,W,C] (and output, unused). dx [N,H,W,C] gets each dy value
 * added at the FIRST maximum (row-major window order, strict '>') of its window — the cpu backend's
 * tie rule, which matters after relu (all-zero windows). NaN-only windows get no gradient (as cpu).
 */
function makeMaxPoolGrad(tf: TF, orig: tfType.KernelConfig): KFunc {
  return (args) => {
    const { dy, input } = args.inputs;
    if (input.dtype !== 'float32' || dy.dtype !== 'float32') {
      countPath('MaxPoolGrad', 'tfjs');
      return call(orig, args);
    }
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs;
    const be = args.backend;
    const ci = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = ci;
    const { filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW } = ci;
    const pt = ci.padInfo.top, pl = ci.padInfo.left;
    const dx = be.makeOutput(input.shape, 'float32');
    const X = heapF32(be, input), DY = heapF32(be, dy), DX = heapF32(be, dx);
    if (FH === 2 && FW === 2 && SH === 2 && SW === 2 && pt === 0 && pl === 0 && H >= 2 * OH && W >= 2 * OW) {
      // Fast path (the study's maxPool(2, 2, 'valid')): windows do not overlap, one write per dx element.
      const fits = C > 0 && C % 4 === 0 && OH > 0 && OW > 0;
      const m = fits ? simdOf(be)?.maxPoolGrad2x2 : null;
      countPath('MaxPoolGrad', m ? 'simd' : 'js-loop', fits && !m);
      if (m) { // SIMD, 4 channels per vector, same tie/NaN rule as the JS loop (~6x faster for the study)
        if (H !== 2 * OH || W !== 2 * OW) DX.fill(0); // odd sizes: the last row/column is in no window
        const xb = X.byteOffset, dyb = DY.byteOffset, rowb = W * C * 4;
        for (let n = 0; n < N; n++) m(xb + n * H * rowb, dyb + n * OH * OW * C * 4, DX.byteOffset - xb, OH, OW, C / 4, C * 4, rowb);
        return dx;
      }
      maxPoolGrad2x2(X, DY, DX, N, H, W, C, OH, OW);
      return dx;
    }
    countPath('MaxPoolGrad', 'js-general');
    DX.fill(0);
    const rowX = W * C;
    let yi = 0; // index into dy, runs over (n, oh, ow, c)
    // General path: any filter size / stride / padding (dilation is always 1 for MaxPoolGrad).
    const bestV = new Float32Array(C), bestI = new Int32Array(C);
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        const r0 = oh * SH - pt, rs = Math.max(0, r0), re = Math.min(H, r0 + FH);
        for (let ow = 0; ow < OW; ow++) {
          const c0 = ow * SW - pl, cs = Math.max(0, c0), ce = Math.min(W, c0 + FW);
          bestV.fill(-Infinity);
          bestI.fill(-1);
          for (let r = rs; r < re; r++) {
            for (let cc = cs; cc < ce; cc++) {
              const base = (n * H + r) * rowX + cc * C;
              for (let c = 0; c < C; c++) {
                const v = X[base + c];
                if (v > bestV[c]) { bestV[c] = v; bestI[c] = base + c; }
              }
            }
          }
          for (let c = 0; c < C; c++, yi++) if (bestI[c] >= 0) DX[bestI[c]] += DY[yi];
        }
      }
    }
    return dx;
  };
}

// ---------------------------------------------------------------- Slice (rank >= 5)
/**
 * x of rank >= 5, begin/size per dim (size -1 = to the end). Adjacent dims are merged when the inner
 * one is taken whole or the outer one has size 1, e.g. x [2,3,4,5,6] begin [0,1,0,0,0] size [2,2,4,5,6]
 * becomes shape [2,360] begin [0,120] size [2,240]: two memcpy-style runs of 240 elements.
 */
function makeSlice(tf: TF, orig: tfType.KernelConfig): KFunc {
  return (args) => {
    const x = args.inputs.x;
    if (x.shape.length < 5 || x.dtype === 'string') {
      countPath('Slice', 'tfjs');
      return call(orig, args);
    }
    countPath('Slice', 'js-runs');
    const be = args.backend;
    const [begin, sz] = tf.slice_util.parseSliceParams(x as tfType.Tensor, args.attrs.begin, args.attrs.size);
    const out = be.makeOutput(sz, x.dtype);
    if (size(sz) === 0) return out;
    const shp: number[] = [x.shape[0]], beg: number[] = [begin[0]], len: number[] = [sz[0]];
    for (let i = 1; i < x.shape.length; i++) {
      const j = shp.length - 1;
      if (sz[i] === x.shape[i] || len[j] === 1) { // merge dim i into the current last (outer) dim
        beg[j] = beg[j] * x.shape[i] + begin[i];
        len[j] = len[j] === 1 ? sz[i] : len[j] * x.shape[i];
        shp[j] *= x.shape[i];
      } else { shp.push(x.shape[i]); beg.push(begin[i]); len.push(sz[i]); }
    }
    const X = be.typedArrayFromHeap(x), O = be.typedArrayFromHeap(out);
    const r = shp.length, run = len[r - 1];
    const strides = new Array<number>(r).fill(1);
    for (let i = r - 2; i >= 0; i--) strides[i] = strides[i + 1] * shp[i + 1];
    const idx = new Array<number>(r - 1).fill(0); // odometer over the outer (r-1) dims
    const nRuns = size(len.slice(0, -1));
    for (let k = 0, o = 0; k < nRuns; k++, o += run) {
      let src = beg[r - 1];
      for (let i = 0; i < r - 1; i++) src += (beg[i] + idx[i]) * strides[i];
      if (run >= 16) O.set(X.subarray(src, src + run), o);
      else for (let t = 0; t < run; t++) O[o + t] = X[src + t];
      for (let i = r - 2; i >= 0 && ++idx[i] === len[i]; i--) idx[i] = 0;
    }
    return out;
  };
}

// ---------------------------------------------------------------- Sum (leading axes)
/**
 * Sum of float32 x over a leading run of axes [0..k-1] (e.g. the conv bias gradient: [N,H,W,C] over
 * [0,1,2]) as column sums of x viewed as [rows, cols]. The stock kernel first transposes the reduced axes
 * to the end (a full copy). Anything else goes to the original kernel.
 */
function makeSum(tf: TF, orig: tfType.KernelConfig): KFunc {
  return (args) => {
    const x = args.inputs.x;
    const r = x.shape.length;
    if (x.dtype !== 'float32' || r < 2) {
      countPath('Sum', 'tfjs');
      return call(orig, args);
    }
    const axes = [...new Set(tf.util.parseAxisParam(args.attrs.axis, x.shape))].sort((a, b) => a - b);
    const k = axes.length;
    if (k === 0 || k === r || axes[k - 1] !== k - 1 || size(x.shape) === 0) {
      countPath('Sum', 'tfjs');
      return call(orig, args);
    }
    countPath('Sum', 'js-columns');
    const rows = size(x.shape.slice(0, k)), cols = size(x.shape.slice(k));
    const outShape = args.attrs.keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    const be = args.backend;
    const out = be.makeOutput(outShape, 'float32');
    columnSums(heapF32(be, x), rows, cols, heapF32(be, out));
    return out;
  };
}

// ---------------------------------------------------------------- Add (bias broadcast)
/**
 * float32 x [..., C] + bias (shape [C] or [1, ..., 1, C], rank <= x's), either operand order, C a multiple
 * of 4: one pass of the SIMD module (the stock kernel's broadcast path costs ~1.3 ms on the study's
 * [128,26,26,16] + [16]; float32 addition is commutative, so the result is bit-identical). Anything else,
 * or no wasm SIMD: the original kernel.
 */
function makeAdd(orig: tfType.KernelConfig): KFunc {
  const isBiasOf = (b: Info, x: Info) => {
    const r = x.shape.length, rb = b.shape.length, C = x.shape[r - 1];
    return rb >= 1 && rb <= r && C > 0 && C % 4 === 0 && b.shape[rb - 1] === C && size(b.shape) === C;
  };
  return (args) => {
    const { a, b } = args.inputs;
    const [x, bias] = a.dtype !== 'float32' || b.dtype !== 'float32' ? [null, null]
      : isBiasOf(b, a) ? [a, b] : isBiasOf(a, b) ? [b, a] : [null, null];
    if (!x || !bias) {
      countPath('Add', 'tfjs');
      return call(orig, args);
    }
    const be = args.backend;
    const k = simdOf(be);
    const C = x.shape[x.shape.length - 1], rows = size(x.shape) / C;
    if (!k || rows === 0) {
      countPath('Add', 'tfjs', !k);
      return call(orig, args);
    }
    countPath('Add', 'simd');
    const out = be.makeOutput(x.shape.slice(), 'float32'); // allocate before taking heap offsets
    k.biasAdd(heapF32(be, x).byteOffset, heapF32(be, bias).byteOffset, heapF32(be, out).byteOffset, rows, C * 4);
    return out;
  };
}

// ---------------------------------------------------------------- Identity, Cast to the same dtype
/**
 * Zero-copy, as on the cpu backend: the output shares x's data (refcount +1, like the wasm Reshape).
 * tfjs' engine clones every tensor it saves for the backward pass through Identity, and the relu/mul
 * gradients cast float32 to float32; the stock wasm kernels copy the data each time.
 */
function makeShare(orig: tfType.KernelConfig, isCast: boolean): KFunc {
  const name = isCast ? 'Cast' : 'Identity';
  return (args) => {
    const x = args.inputs.x;
    if (x.dtype === 'string' || (isCast && args.attrs.dtype !== x.dtype)) {
      countPath(name, 'tfjs');
      return call(orig, args);
    }
    countPath(name, 'shared');
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}

// ---------------------------------------------------------------- registration
function buildFix(tf: TF, name: FixedKernel, orig: tfType.KernelConfig | undefined): KFunc {
  const need = (n: string) => {
    const c = tf.getKernel(n, 'wasm') as FixedConfig | undefined;
    if (!c) throw new Error(`wasm kernel '${n}' not registered; import '@tensorflow/tfjs-backend-wasm' first`);
    return c[FIX] ?? c; // always delegate to the stock kernel, never to one of our wrappers
  };
  switch (name) {
    case 'Conv2DBackpropFilter': return makeConv2DBackpropFilter(tf, need('BatchMatMul'));
    case 'BatchMatMul': return makeBatchMatMul(need('BatchMatMul'), need('Transpose'));
    case 'MaxPoolGrad': return makeMaxPoolGrad(tf, orig ?? need('MaxPoolGrad'));
    case 'Slice': return makeSlice(tf, orig ?? need('Slice'));
    case 'Sum': return makeSum(tf, orig ?? need('Sum'));
    case 'Identity': return makeShare(orig ?? need('Identity'), false);
    case 'Cast': return makeShare(orig ?? need('Cast'), true);
    case 'Add': return makeAdd(orig ?? need('Add'));
  }
}

/**
 * Idempotent. Call after `import '@tensorflow/tfjs-backend-wasm'` (before or after
 * tf.setBackend('wasm') + tf.ready()). Returns the names of the kernels that are fixed after the call
 * (registered now or by an earlier call). `opts.only` restricts the set (used by bench/tests).
 *
 * Replaced kernels keep the ORIGINAL setupFunc/disposeFunc: setupFunc cwraps the wasm export into a
 * module variable of the original kernel file, which our wrapper calls through the original kernelFunc.
 * If the backend is already initialised that setup has already run (the engine runs setupFuncs once, at
 * backend init, for the configs registered then), so it need not be called again; if it is not yet
 * initialised, the engine runs it from our config at init.
 */
export function registerWasmKernelFixes(tf: TF, opts: { only?: readonly FixedKernel[] } = {}): string[] {
  const names = FIXED_KERNELS.filter((n) => !opts.only || opts.only.includes(n));
  for (const name of names) {
    const cur = tf.getKernel(name, 'wasm') as FixedConfig | undefined;
    if (cur && FIX in cur) continue; // already ours
    const fixed: FixedConfig = {
      kernelName: name,
      backendName: 'wasm',
      setupFunc: cur?.setupFunc,
      disposeFunc: cur?.disposeFunc,
      kernelFunc: buildFix(tf, name, cur) as unknown as tfType.KernelFunc,
      [FIX]: cur ?? null,
    };
    if (cur) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(fixed);
  }
  return FIXED_KERNELS.filter((n) => FIX in ((tf.getKernel(n, 'wasm') ?? {}) as FixedConfig));
}

/** Undo registerWasmKernelFixes (restores the original configs). Returns the names restored. */
export function restoreWasmKernels(tf: TF): string[] {
  const restored: string[] = [];
  for (const name of FIXED_KERNELS) {
    const cur = tf.getKernel(name, 'wasm') as FixedConfig | undefined;
    if (!cur || !(FIX in cur)) continue;
    tf.unregisterKernel(name, 'wasm');
    const orig = cur[FIX];
    if (orig) tf.registerKernel(orig);
    restored.push(name);
  }
  return restored;
}
