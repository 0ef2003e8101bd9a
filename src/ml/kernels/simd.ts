/**
 * A tiny hand-assembled WebAssembly SIMD module that works directly on tfjs-backend-wasm's heap (it imports
 * the backend's WebAssembly.Memory), for loops where plain JS is too slow and XNNPACK's per-call weight
 * packing dominates (see index.ts). No toolchain at run time: the bytes are built below, opcode by opcode.
 * Their source text is simd.wat next to this file; test/wasm-wat.test.ts assembles it with wabt and
 * checks it against `simdModuleBytes()` byte for byte (edit both together). The module has no
 * variants: shapes are run-time arguments, and nothing depends on a feature flag.
 *
 * Three exports (all params i32, pointers in bytes).
 *
 * `g(xp, dyp, op, OH, OW, Wb, COb)`, the filter-gradient partial sum of one image, one filter tap and
 * 16 output channels (stride 1, 'valid', 1 input channel):
 *   for c in 0..15: OUT[c] = sum_{oh<OH, ow<OW} X[xp + oh*Wb + 4*ow] * DY[dyp + (oh*OW + ow)*COb + 4*c]
 * (float32 accumulation in four f32x4 accumulators; the caller adds the per-image results in float64).
 *
 * `m(xp, dyp, dd, OH, OW, CV, Cb, rowb)`: MaxPoolGrad, 2x2 window, stride 2, no padding, NHWC, one image,
 * C = 4*CV channels (Cb = 4*C, rowb = 4*W*C bytes, dd = dx - x in bytes; dx has x's layout). Per window
 * and 4 channels, the SAME rule as maxPoolGrad2x2 (loops.ts): v = -Inf; for the taps a, b, c, d
 * in row-major order, m_k = (tap_k > v) (f32x4.gt: false for NaN), v = m_k ? tap_k : v; the winner is the
 * last tap with m_k set (= the first maximum; NaN / all -Inf windows: none). dx at tap k = dy & w_k,
 * w_3 = m_3, w_2 = m_2 & ~m_3, w_1 = m_1 & ~(m_2|m_3), w_0 = m_0 & ~(m_1|m_2|m_3): dy's bits or +0.
 *
 * `b(xp, bp, op, rows, Cb)`: broadcast add of a bias row, OUT[r*C + j] = X[r*C + j] + B[j] (C = Cb/4, a
 * multiple of 4; rows >= 1).
 */

import {
  BR_IF, END, F32_CONST, F32_LOAD, F32X4_ADD, F32X4_GT, F32X4_MUL, F32X4_SPLAT, I32, I32_ADD, I32_CONST, I32_NE, I32_SUB, LOOP,
  V128, V128_AND, V128_ANDNOT, V128_BITSELECT, V128_OR, get, load as v128Load, moduleBytes, set, simd, store as v128Store, tee,
} from './wasm-asm.ts';

const load = (offset = 0) => v128Load(4, offset), store = (offset = 0) => v128Store(4, offset); // align 16 bytes

/** g: the conv filter-gradient tap (simd.wat). */
function tapGrad16Code(): number[] {
  // params 0 xp, 1 dp, 2 op, 3 oh, 4 OW, 5 Wb, 6 COb; locals 7 ow, 8 xi, 9..12 a0..a3, 13 xv
  const acc = (k: number) => [...get(9 + k), ...get(13), ...get(1), ...v128Load(2, 16 * k), ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(9 + k)];
  const code = [
    LOOP, 0x40,
    ...get(4), ...set(7), ...get(0), ...set(8),
    LOOP, 0x40,
    ...get(8), F32_LOAD, 2, 0, ...simd(F32X4_SPLAT), ...set(13),
    ...acc(0), ...acc(1), ...acc(2), ...acc(3),
    ...get(1), ...get(6), I32_ADD, ...set(1),
    ...get(8), I32_CONST, 4, I32_ADD, ...set(8),
    ...get(7), I32_CONST, 1, I32_SUB, ...tee(7), BR_IF, 0,
    END,
    ...get(0), ...get(5), I32_ADD, ...set(0),
    ...get(3), I32_CONST, 1, I32_SUB, ...tee(3), BR_IF, 0,
    END,
    ...[0, 1, 2, 3].flatMap((k) => [...get(2), ...get(9 + k), ...v128Store(2, 16 * k)]),
    END,
  ];
  return [2, 2, I32, 5, V128, ...code]; // local decls: 2 x i32, 5 x v128
}

/** m: MaxPoolGrad 2x2 / stride 2 / valid (simd.wat). */
function maxPoolGradCode(): number[] {
  // params 0 xp, 1 dp, 2 dd, 3 oh, 4 OW, 5 CV, 6 Cb, 7 rowb; locals i32 8 ow, 9 cv, 10 q, 11 r;
  // v128 12 ninf, 13 a, 14 b, 15 c, 16 v, 17 m0, 18 m1, 19 m2, 20 m3, 21 g
  const [xp, dp, dd, oh, OW, CV, Cb, rowb, ow, cv, q, r] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [ninf, a, b, c, v, m0, m1, m2, m3, g] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
  const add = (x: number[], y: number[]) => [...x, ...y, I32_ADD];
  const code = [
    F32_CONST, 0x00, 0x00, 0x80, 0xff, ...simd(F32X4_SPLAT), ...set(ninf), // -Infinity
    LOOP, 0x40, // rows
    ...get(xp), ...set(q), ...get(OW), ...set(ow),
    LOOP, 0x40, // windows
    ...get(CV), ...set(cv),
    LOOP, 0x40, // 4 channels at a time
    ...add(get(q), get(rowb)), ...set(r),
    ...get(q), ...load(), ...set(a),
    ...add(get(q), get(Cb)), ...load(), ...set(b),
    ...get(r), ...load(), ...set(c),
    ...add(get(r), get(Cb)), ...load(), ...set(m3), // d
    ...get(a), ...get(ninf), ...simd(F32X4_GT), ...set(m0),
    ...get(a), ...get(ninf), ...get(m0), ...simd(V128_BITSELECT), ...set(v),
    ...get(b), ...get(v), ...simd(F32X4_GT), ...set(m1),
    ...get(b), ...get(v), ...get(m1), ...simd(V128_BITSELECT), ...set(v),
    ...get(c), ...get(v), ...simd(F32X4_GT), ...set(m2),
    ...get(c), ...get(v), ...get(m2), ...simd(V128_BITSELECT), ...set(v),
    ...get(m3), ...get(v), ...simd(F32X4_GT), ...set(m3),
    ...get(dp), ...load(), ...set(g),
    ...add(add(get(r), get(Cb)), get(dd)), ...get(g), ...get(m3), ...simd(V128_AND), ...store(),
    ...add(get(r), get(dd)), ...get(g), ...get(m2), ...get(m3), ...simd(V128_ANDNOT), ...simd(V128_AND), ...store(),
    ...get(m3), ...get(m2), ...simd(V128_OR), ...set(m3),
    ...add(add(get(q), get(Cb)), get(dd)), ...get(g), ...get(m1), ...get(m3), ...simd(V128_ANDNOT), ...simd(V128_AND), ...store(),
    ...get(m3), ...get(m1), ...simd(V128_OR), ...set(m3),
    ...add(get(q), get(dd)), ...get(g), ...get(m0), ...get(m3), ...simd(V128_ANDNOT), ...simd(V128_AND), ...store(),
    ...get(dp), I32_CONST, 16, I32_ADD, ...set(dp),
    ...get(q), I32_CONST, 16, I32_ADD, ...set(q),
    ...get(cv), I32_CONST, 1, I32_SUB, ...tee(cv), BR_IF, 0,
    END,
    ...add(get(q), get(Cb)), ...set(q),
    ...get(ow), I32_CONST, 1, I32_SUB, ...tee(ow), BR_IF, 0,
    END,
    ...add(get(xp), add(get(rowb), get(rowb))), ...set(xp),
    ...get(oh), I32_CONST, 1, I32_SUB, ...tee(oh), BR_IF, 0,
    END,
    END,
  ];
  return [2, 4, I32, 10, V128, ...code]; // local decls: 4 x i32, 10 x v128
}

/** b: broadcast bias add (simd.wat). */
function biasAddCode(): number[] {
  const [xp, bp, op, rows, Cb, j] = [0, 1, 2, 3, 4, 5];
  const code = [
    LOOP, 0x40,
    I32_CONST, 0, ...set(j),
    LOOP, 0x40,
    ...get(op), ...get(j), I32_ADD,
    ...get(xp), ...get(j), I32_ADD, ...load(),
    ...get(bp), ...get(j), I32_ADD, ...load(),
    ...simd(F32X4_ADD), ...store(),
    ...get(j), I32_CONST, 16, I32_ADD, ...tee(j), ...get(Cb), I32_NE, BR_IF, 0,
    END,
    ...get(xp), ...get(Cb), I32_ADD, ...set(xp),
    ...get(op), ...get(Cb), I32_ADD, ...set(op),
    ...get(rows), I32_CONST, 1, I32_SUB, ...tee(rows), BR_IF, 0,
    END,
    END,
  ];
  return [1, 1, I32, ...code]; // local decls: 1 x i32
}

/** The module's bytes, as instantiated below (test/wasm-wat.test.ts checks them against simd.wat). */
export function simdModuleBytes(): Uint8Array {
  const i32s = (n: number) => Array<number>(n).fill(I32);
  return moduleBytes([
    { name: 'g', params: i32s(7), body: tapGrad16Code() },
    { name: 'm', params: i32s(8), body: maxPoolGradCode() },
    { name: 'b', params: i32s(5), body: biasAddCode() },
  ]);
}

export type TapGrad16 = (xp: number, dyp: number, op: number, oh: number, ow: number, wb: number, cob: number) => void;
export type MaxPoolGrad2x2 = (xp: number, dyp: number, dd: number, oh: number, ow: number, cv: number, cb: number, rowb: number) => void;
export type BiasAdd = (xp: number, bp: number, op: number, rows: number, cb: number) => void;
export interface SimdKernels { tapGrad16: TapGrad16; maxPoolGrad2x2: MaxPoolGrad2x2; biasAdd: BiasAdd }
/** Per memory: the instantiated kernels, or why they cannot be used. */
const cache = new WeakMap<WebAssembly.Memory, SimdKernels | string>();

/**
 * The kernels instantiated on `memory` (cached), or why they cannot be used: not a
 * WebAssembly.Memory, a shared memory (threaded tfjs build, which the module does not declare), or
 * a runtime without wasm SIMD (the instantiation error).
 */
export function simdModule(memory: unknown): SimdKernels | string {
  if (!(memory instanceof WebAssembly.Memory)) return 'no WebAssembly.Memory to run on';
  const hit = cache.get(memory);
  if (hit !== undefined) return hit;
  let k: SimdKernels | string;
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) {
    k = 'the backend memory is shared (threaded tfjs-backend-wasm build)';
  } else {
    try {
      const e = new WebAssembly.Instance(new WebAssembly.Module(simdModuleBytes().buffer as ArrayBuffer), { env: { memory } }).exports;
      k = { tapGrad16: e.g as TapGrad16, maxPoolGrad2x2: e.m as MaxPoolGrad2x2, biasAdd: e.b as BiasAdd };
    } catch (e) {
      k = `the module did not instantiate (no wasm SIMD in this runtime?): ${(e as Error).message.split('\n')[0]}`;
    }
  }
  cache.set(memory, k);
  return k;
}

/** The kernels instantiated on `memory`, or null when they cannot be used (simdModule says why). */
export function simdKernels(memory: unknown): SimdKernels | null {
  const k = simdModule(memory);
  return typeof k === 'string' ? null : k;
}
