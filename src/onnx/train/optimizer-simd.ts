/**
 * The optimiser updates as a hand-assembled WebAssembly SIMD module (text: optimizer.wat, checked
 * byte for byte by test/wasm-wat.test.ts). One pass over each weight array per step, in place:
 * Adam reads w, g, m, v and writes w, m, v once, where the same update as ONNX element-wise ops made
 * 14 passes (14 ONNX ops), each allocating its output (measured: ~0.36 ms for dense1's 346k weights against
 * ~2 ms as ONNX ops, and 4 ms as a plain JS loop with Math.fround). Exact: wasm's f32x4 add, mul,
 * div and sqrt are IEEE float32, correctly rounded, so results are bit for bit optimizer.ts's JS loops.
 */
import {
  BR_IF, END, F32, F32X4_ADD, F32X4_DIV, F32X4_MUL, F32X4_SPLAT, F32X4_SQRT, I32, I32_ADD, I32_CONST, I32_SUB, LOOP, V128,
  get, load, moduleBytes, set, simd, store, tee,
} from '../../ml/kernels/wasm-asm.ts';

const add = simd(F32X4_ADD), mul = simd(F32X4_MUL), div = simd(F32X4_DIV), sqrt = simd(F32X4_SQRT);
const splat = (param: number, local: number) => [...get(param), ...simd(F32X4_SPLAT), ...set(local)];
/** p += 16 for each pointer local, then br_if back while (n -= 1) != 0, end of loop. */
const advance = (ptrs: number[], n: number) => [
  ...ptrs.flatMap((p) => [...get(p), I32_CONST, 16, I32_ADD, ...set(p)]),
  ...get(n), I32_CONST, 1, I32_SUB, ...tee(n), BR_IF, 0, END,
];

/** sgd(w, g, n, negLr): params 0 w, 1 g, 2 n, 3 negLr; local 4 L. */
function sgdCode(): number[] {
  const [w, g, n, negLr, L] = [0, 1, 2, 3, 4];
  return [1, 1, V128,
    ...splat(negLr, L),
    LOOP, 0x40,
    ...get(w), ...get(L), ...get(g), ...load(), ...mul, ...get(w), ...load(), ...add, ...store(),
    ...advance([w, g], n),
    END];
}

/** momentum(w, g, a, n, mom, negLr): locals 6 M, 7 L, 8 av. */
function momentumCode(): number[] {
  const [w, g, a, n, mom, negLr, M, L, av] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  return [1, 3, V128,
    ...splat(mom, M), ...splat(negLr, L),
    LOOP, 0x40,
    ...get(M), ...get(a), ...load(), ...mul, ...get(g), ...load(), ...add, ...set(av),
    ...get(a), ...get(av), ...store(),
    ...get(w), ...get(L), ...get(av), ...mul, ...get(w), ...load(), ...add, ...store(),
    ...advance([w, g, a], n),
    END];
}

/** adam(w, g, m, v, n, b1, c1, b2, c2, o1, o2, eps, negLr): locals 13..20 the splats, 21 gv, 22 mv, 23 vv. */
function adamCode(): number[] {
  const [w, g, m, v, n] = [0, 1, 2, 3, 4];
  const [B1, C1, B2, C2, O1, O2, E, L, gv, mv, vv] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23];
  return [1, 11, V128,
    ...[B1, C1, B2, C2, O1, O2, E, L].flatMap((local, i) => splat(5 + i, local)),
    LOOP, 0x40,
    ...get(g), ...load(), ...set(gv),
    ...get(m), ...load(), ...get(B1), ...mul, ...get(gv), ...get(C1), ...mul, ...add, ...set(mv),
    ...get(v), ...load(), ...get(B2), ...mul, ...get(gv), ...get(gv), ...mul, ...get(C2), ...mul, ...add, ...set(vv),
    ...get(m), ...get(mv), ...store(),
    ...get(v), ...get(vv), ...store(),
    ...get(w),
    ...get(mv), ...get(O1), ...div, ...get(vv), ...get(O2), ...div, ...sqrt, ...get(E), ...add, ...div, ...get(L), ...mul,
    ...get(w), ...load(), ...add, ...store(),
    ...advance([w, g, m, v], n),
    END];
}

/** The module's bytes (test/wasm-wat.test.ts checks them against optimizer.wat). */
export function optimizerModuleBytes(): Uint8Array {
  return moduleBytes([
    { name: 'sgd', params: [I32, I32, I32, F32], body: sgdCode() },
    { name: 'momentum', params: [I32, I32, I32, I32, F32, F32], body: momentumCode() },
    { name: 'adam', params: [I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32, F32], body: adamCode() },
  ]);
}

export interface OptimizerKernels {
  sgd(w: number, g: number, n: number, negLr: number): void;
  momentum(w: number, g: number, a: number, n: number, mom: number, negLr: number): void;
  adam(w: number, g: number, m: number, v: number, n: number, b1: number, c1: number, b2: number, c2: number, o1: number, o2: number, eps: number, negLr: number): void;
}

/** The kernels instantiated on `memory`, or why they cannot run (a runtime without wasm SIMD). */
export function optimizerKernels(memory: WebAssembly.Memory): OptimizerKernels | string {
  try {
    const e = new WebAssembly.Instance(new WebAssembly.Module(optimizerModuleBytes().buffer as ArrayBuffer), { env: { memory } }).exports;
    return { sgd: e.sgd as OptimizerKernels['sgd'], momentum: e.momentum as OptimizerKernels['momentum'], adam: e.adam as OptimizerKernels['adam'] };
  } catch (e) {
    return `the optimiser module did not instantiate (no wasm SIMD in this runtime?): ${(e as Error).message.split('\n')[0]}`;
  }
}
