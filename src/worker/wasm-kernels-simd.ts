/**
 * A tiny hand-assembled WebAssembly SIMD module that works directly on tfjs-backend-wasm's heap (it imports
 * the backend's WebAssembly.Memory), for loops where plain JS is too slow and XNNPACK's per-call weight
 * packing dominates (see wasm-kernels.ts). No toolchain: the bytes are built below, opcode by opcode.
 *
 * Export `g(xp, dyp, op, OH, OW, Wb, COb)` (all i32, pointers in bytes), the filter-gradient partial sum of
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
 */

const u = (n: number): number[] => { // unsigned LEB128
  const out: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n);
  return out;
};
const str = (s: string) => [...u(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...u(body.length), ...body];

const I32 = 0x7f, V128 = 0x7b;
const get = (i: number) => [0x20, i], set = (i: number) => [0x21, i], tee = (i: number) => [0x22, i];
const simd = (op: number, ...imm: number[]) => [0xfd, ...u(op), ...imm];
const V128_LOAD = 0x00, V128_STORE = 0x0b, F32X4_SPLAT = 0x13, F32X4_ADD = 0xe4, F32X4_MUL = 0xe6;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_CONST = 0x41, F32_LOAD = 0x2a, LOOP = 0x03, BR_IF = 0x0d, END = 0x0b;

function moduleBytes(): Uint8Array {
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
  const body = [2, 2, I32, 5, V128, ...code]; // local decls: 2 x i32, 5 x v128
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...str('env'), ...str('memory'), 0x02, 0x00, 0x00]), // memory import, min 0, no max
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('g'), 0x00, 0]),
    ...section(10, [1, ...u(body.length), ...body]),
  ]);
}

export type TapGrad16 = (xp: number, dyp: number, op: number, oh: number, ow: number, wb: number, cob: number) => void;
const cache = new WeakMap<WebAssembly.Memory, TapGrad16 | null>();

/**
 * The kernel instantiated on `memory` (cached), or null when it cannot be used: no wasm SIMD in this
 * runtime, or a shared memory (threaded tfjs build), which the module does not declare.
 */
export function simdKernels(memory: unknown): TapGrad16 | null {
  if (!(memory instanceof WebAssembly.Memory)) return null;
  if (cache.has(memory)) return cache.get(memory)!;
  let fn: TapGrad16 | null = null;
  try {
    if (!(typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer)) {
      const inst = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes().buffer as ArrayBuffer), { env: { memory } });
      fn = inst.exports.g as TapGrad16;
    }
  } catch {
    fn = null;
  }
  cache.set(memory, fn);
  return fn;
}
