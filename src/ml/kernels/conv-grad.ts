/**
 * Conv2DBackpropFilter for tfjs-backend-wasm, which has none (tf.grad of conv2d w.r.t. the filter
 * throws there); registered by index.ts. The study's conv (1 input channel, stride 1, 'valid',
 * Cout % 16 == 0) runs the SIMD module, or without it a direct JS loop (3x3); any other conv runs
 * im2col + tfjs' XNNPACK matmul.
 */
import type * as tfType from '../tfjs.ts';
import { convFilterGrad1ch3x3 } from './loops.ts';
import { countPath } from './paths.ts';
import type { TapGrad16 } from './simd.ts';
import { call, heapF32, simdOf, type Info, type KFunc, type TF, type WasmBackend } from './wasm-heap.ts';

/**
 * Filter gradient for ONE input channel, stride 1, 'valid', Cout a multiple of 16, with the SIMD module of
 * simd.ts: one call per (image, tap, 16 channels) writes 16 float32 partial sums straight
 * into the output buffer, which are added up over the images in float64 here. For the study's shape
 * (x [128,28,28,1], dy [128,26,26,16]) this takes ~1.5 ms; the direct JS loop below took 8 ms in
 * isolation (12 ms in the training step), and im2col + XNNPACK ~6 ms (XNNPACK re-packs the [86528,16]
 * right operand on every call: 5 of those 6 ms).
 */
function convGrad1chSimd(be: WasmBackend, g: TapGrad16, x: Info, dy: Info,
  N: number, H: number, W: number, KH: number, KW: number, OH: number, OW: number, CO: number): Info {
  const K = KH * KW;
  const out = be.makeOutput([KH, KW, 1, CO], 'float32'); // allocate before taking heap offsets/views
  const OUT = heapF32(be, out);
  const xb = heapF32(be, x).byteOffset, dyb = heapF32(be, dy).byteOffset, ob = OUT.byteOffset;
  const acc = new Float64Array(K * CO);
  for (let n = 0; n < N; n++) {
    const xn = xb + n * H * W * 4, dyn = dyb + n * OH * OW * CO * 4;
    for (let t = 0; t < K; t++) {
      const xt = xn + (Math.floor(t / KW) * W + (t % KW)) * 4;
      for (let c = 0; c < CO; c += 16) g(xt, dyn + c * 4, ob + (t * CO + c) * 4, OH, OW, W * 4, CO * 4);
    }
    for (let i = 0; i < K * CO; i++) acc[i] += OUT[i];
  }
  OUT.set(acc);
  return out;
}

/**
 * dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*sh+kh-padTop, ow*sw+kw-padLeft, ci] * dy[n,oh,ow,co]
 * x [N,H,W,Cin], dy [N,OH,OW,Cout] (NHWC only), dilation 1 (tfjs' conv2d gradient asserts that).
 * As a matmul: colsT [K=KH*KW*Cin, M=N*OH*OW] · dy2d [M, Cout] = dW2d [K, Cout], which is already the
 * filter's memory layout [KH,KW,Cin,Cout]. For the study: K=9, M=128*26*26=86528, Cout=16.
 * colsT (not cols) is built so the matmul has no transpose flag and runs on XNNPACK.
 */
export function makeConv2DBackpropFilter(tf: TF, matMul: tfType.KernelConfig): KFunc {
  return ({ inputs, backend: be, attrs }) => {
    const { x, dy } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
    if (dataFormat != null && dataFormat !== 'NHWC') {
      throw new Error(`Conv2DBackpropFilter (wasm fix): dataFormat '${dataFormat}' not supported, only NHWC`);
    }
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
      throw new Error(`Conv2DBackpropFilter (wasm fix): only float32 supported, got ${x.dtype}/${dy.dtype}`);
    }
    const ci = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false,
      'channelsLast');
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = ci;
    const { filterHeight: KH, filterWidth: KW, outChannels: CO, strideHeight: SH, strideWidth: SW } = ci;
    const pt = ci.padInfo.top, pl = ci.padInfo.left;
    const K = KH * KW * C, M = N * OH * OW;
    let fellBack = false; // the shapes fit the SIMD module but it is unavailable
    if (C === 1 && SH === 1 && SW === 1 && pt === 0 && pl === 0 && OH === H - KH + 1 && OW === W - KW + 1 && N * OH * OW > 0) {
      // 1 input channel, stride 1, 'valid' (the study's conv)
      const g = CO % 16 === 0 ? simdOf(be)?.tapGrad16 : null;
      if (g) {
        countPath('Conv2DBackpropFilter', 'simd');
        return convGrad1chSimd(be, g, x, dy, N, H, W, KH, KW, OH, OW, CO);
      }
      fellBack = CO % 16 === 0;
      if (KH === 3 && KW === 3) { // no SIMD module: direct JS loop, no im2col, no matmul packing
        countPath('Conv2DBackpropFilter', 'js-loop', fellBack);
        const out = be.makeOutput([KH, KW, C, CO], 'float32');
        convFilterGrad1ch3x3(heapF32(be, x), heapF32(be, dy), heapF32(be, out), N, H, W, OH, OW, CO);
        return out;
      }
    }
    countPath('Conv2DBackpropFilter', 'im2col+matmul', fellBack);
    // Allocate first: allocation may grow the wasm memory and detach earlier heap views.
    const colsT = be.makeOutput([K, M], 'float32');
    // XNNPACK caches its packed-weights operator under the id of matmul input b. dy's data may be viewed
    // with other shapes elsewhere (same id), so b is a private copy of dy that we dispose right away.
    const dyCopy = be.makeOutput([M, CO], 'float32');
    const X = heapF32(be, x), COLS = heapF32(be, colsT);
    heapF32(be, dyCopy).set(heapF32(be, dy));
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        for (let c = 0; c < C; c++) {
          let o = ((kh * KW + kw) * C + c) * M; // row (kh,kw,c) of colsT; columns run over (n,oh,ow)
          // valid ow range: 0 <= ow*SW + kw - pl < W
          const owLo = Math.max(0, Math.ceil((pl - kw) / SW));
          const owHi = Math.min(OW, Math.floor((W - 1 + pl - kw) / SW) + 1);
          for (let n = 0; n < N; n++) {
            for (let oh = 0; oh < OH; oh++, o += OW) {
              const ih = oh * SH + kh - pt;
              if (ih < 0 || ih >= H || owHi <= owLo) { COLS.fill(0, o, o + OW); continue; }
              if (owLo > 0) COLS.fill(0, o, o + owLo);
              if (owHi < OW) COLS.fill(0, o + owHi, o + OW);
              let xi = ((n * H + ih) * W + owLo * SW + kw - pl) * C + c;
              const step = SW * C;
              if (step === 1) COLS.set(X.subarray(xi, xi + owHi - owLo), o + owLo);
              else for (let ow = owLo; ow < owHi; ow++, xi += step) COLS[o + ow] = X[xi];
            }
          }
        }
      }
    }
    try {
      const out = call(matMul, { inputs: { a: colsT, b: dyCopy }, backend: be, attrs: { transposeA: false, transposeB: false } });
      return { ...out, shape: [KH, KW, C, CO] }; // [K, CO] is already laid out as [KH,KW,Cin,Cout]
    } finally {
      be.disposeData(colsT.dataId);
      be.disposeData(dyCopy.dataId);
    }
  };
}
