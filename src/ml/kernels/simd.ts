/**
 * A tiny hand-assembled WebAssembly SIMD module that works directly on tfjs-backend-wasm's heap (it imports
 * the backend's WebAssembly.Memory), for loops where plain JS is too slow and XNNPACK's per-call weight
 * packing dominates (see index.ts). No toolchain: the bytes are built below, opcode by opcode.
 *
 * Three exports (all params i32, pointers in bytes).
 *
 * `g(xp, dyp, op, OH, OW, Wb, COb)` (all i32, pointers in bytes), the filter-gradient partial sum of
 * one image, one filter tap and 16 output channels (stride 1, 'valid', 1 input channel):
 *   for c in 0..15: OUT[c] = sum_{oh<OH, ow<OW} X[xp + oh*Wb + 4*ow] * DY[dyp + (oh*OW + ow)*COb + 4*c]
 * (float32 accumulation in four f32x4 accumulators; the caller adds the per-image results in float64).
 * The wasm text, for review:
 *   (func (param $xp i32) (param $dp i32) (param $op i32) (param $oh i32) (param $OW i32) (param $Wb i32) (param $COb i32)
 *     (local $ow i32) (local $xi i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $xv v128)
 *     (loop $rows
 *       (local.set $ow (local.get $OW)) (local.set $xi (local.get $xp))
 *       (loop $cols
 *         (local.set $xv (f32x4.splat (f32.load (local.get $xi))))
 *         (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $xv) (v128.load offset=0 (local.get $dp)))))
 *         ... $a1 offset=16, $a2 offset=32, $a3 offset=48
 *         (local.set $dp (i32.add (local.get $dp) (local.get $COb)))
 *         (local.set $xi (i32.add (local.get $xi) (i32.const 4)))
 *         (br_if $cols (local.tee $ow (i32.sub (local.get $ow) (i32.const 1)))))
 *       (local.set $xp (i32.add (local.get $xp) (local.get $Wb)))
 *       (br_if $rows (local.tee $oh (i32.sub (local.get $oh) (i32.const 1)))))
 *     (v128.store offset=0 (local.get $op) (local.get $a0)) ... offsets 16, 32, 48)
 *
 * `m(xp, dyp, dd, OH, OW, CV, Cb, rowb)`: MaxPoolGrad, 2x2 window, stride 2, no padding, NHWC, one image,
 * C = 4*CV channels (Cb = 4*C, rowb = 4*W*C bytes, dd = dx - x in bytes; dx has x's layout). Per window
 * and 4 channels, the SAME rule as maxPoolGrad2x2 (loops.ts): v = -Inf; for the taps a, b, c, d
 * in row-major order, m_k = (tap_k > v) (f32x4.gt: false for NaN), v = m_k ? tap_k : v; the winner is the
 * last tap with m_k set (= the first maximum; NaN / all -Inf windows: none). dx at tap k = dy & w_k,
 * w_3 = m_3, w_2 = m_2 & ~m_3, w_1 = m_1 & ~(m_2|m_3), w_0 = m_0 & ~(m_1|m_2|m_3): dy's bits or +0.
 *   (func (param $xp i32) (param $dp i32) (param $dd i32) (param $oh i32) (param $OW i32) (param $CV i32) (param $Cb i32) (param $rowb i32)
 *     (local $ow i32) (local $cv i32) (local $q i32) (local $r i32)
 *     (local $ninf v128) (local $a v128) (local $b v128) (local $c v128) (local $v v128) (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $g v128)
 *     (local.set $ninf (f32x4.splat (f32.const -inf)))
 *     (loop $rows
 *       (local.set $q (local.get $xp)) (local.set $ow (local.get $OW))
 *       (loop $win
 *         (local.set $cv (local.get $CV))
 *         (loop $ch
 *           (local.set $r (i32.add (local.get $q) (local.get $rowb)))
 *           (local.set $a (v128.load (local.get $q)))   (local.set $b (v128.load (i32.add (local.get $q) (local.get $Cb))))
 *           (local.set $c (v128.load (local.get $r)))   (local.set $m3 (v128.load (i32.add (local.get $r) (local.get $Cb))))  ;; d
 *           (local.set $m0 (f32x4.gt (local.get $a) (local.get $ninf)))
 *           (local.set $v (v128.bitselect (local.get $a) (local.get $ninf) (local.get $m0)))
 *           (local.set $m1 (f32x4.gt (local.get $b) (local.get $v)))
 *           (local.set $v (v128.bitselect (local.get $b) (local.get $v) (local.get $m1)))
 *           (local.set $m2 (f32x4.gt (local.get $c) (local.get $v)))
 *           (local.set $v (v128.bitselect (local.get $c) (local.get $v) (local.get $m2)))
 *           (local.set $m3 (f32x4.gt (local.get $m3) (local.get $v)))
 *           (local.set $g (v128.load (local.get $dp)))
 *           (v128.store (i32.add (i32.add (local.get $r) (local.get $Cb)) (local.get $dd)) (v128.and (local.get $g) (local.get $m3)))
 *           (v128.store (i32.add (local.get $r) (local.get $dd)) (v128.and (local.get $g) (v128.andnot (local.get $m2) (local.get $m3))))
 *           (local.set $m3 (v128.or (local.get $m3) (local.get $m2)))
 *           (v128.store (i32.add (i32.add (local.get $q) (local.get $Cb)) (local.get $dd)) (v128.and (local.get $g) (v128.andnot (local.get $m1) (local.get $m3))))
 *           (local.set $m3 (v128.or (local.get $m3) (local.get $m1)))
 *           (v128.store (i32.add (local.get $q) (local.get $dd)) (v128.and (local.get $g) (v128.andnot (local.get $m0) (local.get $m3))))
 *           (local.set $dp (i32.add (local.get $dp) (i32.const 16)))
 *           (local.set $q (i32.add (local.get $q) (i32.const 16)))
 *           (br_if $ch (local.tee $cv (i32.sub (local.get $cv) (i32.const 1)))))
 *         (local.set $q (i32.add (local.get $q) (local.get $Cb)))          ;; skip the window's 2nd column
 *         (br_if $win (local.tee $ow (i32.sub (local.get $ow) (i32.const 1)))))
 *       (local.set $xp (i32.add (local.get $xp) (i32.add (local.get $rowb) (local.get $rowb))))
 *       (br_if $rows (local.tee $oh (i32.sub (local.get $oh) (i32.const 1))))))
 *
 * `b(xp, bp, op, rows, Cb)`: broadcast add of a bias row, OUT[r*C + j] = X[r*C + j] + B[j] (C = Cb/4, a
 * multiple of 4; rows >= 1):
 *   (func (param $xp i32) (param $bp i32) (param $op i32) (param $rows i32) (param $Cb i32) (local $j i32)
 *     (loop $rows
 *       (local.set $j (i32.const 0))
 *       (loop $cols
 *         (v128.store (i32.add (local.get $op) (local.get $j))
 *           (f32x4.add (v128.load (i32.add (local.get $xp) (local.get $j))) (v128.load (i32.add (local.get $bp) (local.get $j)))))
 *         (br_if $cols (i32.ne (local.tee $j (i32.add (local.get $j) (i32.const 16))) (local.get $Cb))))
 *       (local.set $xp (i32.add (local.get $xp) (local.get $Cb))) (local.set $op (i32.add (local.get $op) (local.get $Cb)))
 *       (br_if $rows (local.tee $rows (i32.sub (local.get $rows) (i32.const 1))))))
 */

const u = (n: number): number[] => { // unsigned LEB128
  const out: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n);
  return out;
};
const str = (s: string) => [...u(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...u(body.length), ...body];
const vec = (items: number[][]) => [...u(items.length), ...items.flat()];

const I32 = 0x7f, V128 = 0x7b;
const get = (i: number) => [0x20, i], set = (i: number) => [0x21, i], tee = (i: number) => [0x22, i];
const simd = (op: number, ...imm: number[]) => [0xfd, ...u(op), ...imm];
const V128_LOAD = 0x00, V128_STORE = 0x0b, F32X4_SPLAT = 0x13, F32X4_ADD = 0xe4, F32X4_MUL = 0xe6;
const F32X4_GT = 0x44, V128_AND = 0x4e, V128_ANDNOT = 0x4f, V128_OR = 0x50, V128_BITSELECT = 0x52;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_NE = 0x47, I32_CONST = 0x41, F32_CONST = 0x43, F32_LOAD = 0x2a;
const LOOP = 0x03, BR_IF = 0x0d, END = 0x0b;
const load = (offset = 0) => simd(V128_LOAD, 4, ...u(offset)), store = (offset = 0) => simd(V128_STORE, 4, ...u(offset));

/** g: the conv filter-gradient tap (see the wasm text above). */
function tapGrad16Code(): number[] {
  // params 0 xp, 1 dp, 2 op, 3 oh, 4 OW, 5 Wb, 6 COb; locals 7 ow, 8 xi, 9..12 a0..a3, 13 xv
  const acc = (k: number) => [...get(9 + k), ...get(13), ...get(1), ...simd(V128_LOAD, 2, ...u(16 * k)), ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(9 + k)];
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
    ...[0, 1, 2, 3].flatMap((k) => [...get(2), ...get(9 + k), ...simd(V128_STORE, 2, ...u(16 * k))]),
    END,
  ];
  return [2, 2, I32, 5, V128, ...code]; // local decls: 2 x i32, 5 x v128
}

/** m: MaxPoolGrad 2x2 / stride 2 / valid (see the wasm text above). */
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

/** b: broadcast bias add (see the wasm text above). */
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

function moduleBytes(): Uint8Array {
  const fnType = (n: number) => [0x60, n, ...Array<number>(n).fill(I32), 0];
  const funcs: [string, number, number[]][] = [['g', 7, tapGrad16Code()], ['m', 8, maxPoolGradCode()], ['b', 5, biasAddCode()]];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(funcs.map(([, n]) => fnType(n)))), // one type per function
    ...section(2, [1, ...str('env'), ...str('memory'), 0x02, 0x00, 0x00]), // memory import, min 0, no max
    ...section(3, vec(funcs.map((_, i) => [i]))),
    ...section(7, vec(funcs.map(([name], i) => [...str(name), 0x00, i]))),
    ...section(10, vec(funcs.map(([, , body]) => [...u(body.length), ...body]))),
  ]);
}

export type TapGrad16 = (xp: number, dyp: number, op: number, oh: number, ow: number, wb: number, cob: number) => void;
export type MaxPoolGrad2x2 = (xp: number, dyp: number, dd: number, oh: number, ow: number, cv: number, cb: number, rowb: number) => void;
export type BiasAdd = (xp: number, bp: number, op: number, rows: number, cb: number) => void;
export interface SimdKernels { tapGrad16: TapGrad16; maxPoolGrad2x2: MaxPoolGrad2x2; biasAdd: BiasAdd }
const cache = new WeakMap<WebAssembly.Memory, SimdKernels | null>();

/**
 * The kernels instantiated on `memory` (cached), or null when they cannot be used: no wasm SIMD in this
 * runtime, or a shared memory (threaded tfjs build), which the module does not declare.
 */
export function simdKernels(memory: unknown): SimdKernels | null {
  if (!(memory instanceof WebAssembly.Memory)) return null;
  if (cache.has(memory)) return cache.get(memory)!;
  let k: SimdKernels | null = null;
  try {
    if (!(typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer)) {
      const e = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes().buffer as ArrayBuffer), { env: { memory } }).exports;
      k = { tapGrad16: e.g as TapGrad16, maxPoolGrad2x2: e.m as MaxPoolGrad2x2, biasAdd: e.b as BiasAdd };
    }
  } catch {
    k = null;
  }
  cache.set(memory, k);
  return k;
}
