/**
 * The few pieces of the WebAssembly binary format that the hand-assembled modules need (simd.ts here,
 * onnx/train/optimizer-simd.ts and mask-simd.ts): LEB128 numbers, sections, local get/set, the SIMD opcodes they use,
 * and a module of exported functions on an imported memory. Each module's text (.wat) is assembled by
 * wabt in test/wasm-wat.test.ts and compared with the emitted bytes, byte for byte. Also the one
 * switch every such module obeys, FILTERSTUDY_NO_SIMD.
 */

/**
 * 'disabled by FILTERSTUDY_NO_SIMD' when that variable is set to anything but '' or '0' (the SIMD
 * modules then run their bit-identical or slower fallbacks, as a runtime without wasm SIMD would), else null.
 */
export const simdOffByEnv = (): string | null =>
  ['', '0', undefined].includes(process.env.FILTERSTUDY_NO_SIMD) ? null : 'disabled by FILTERSTUDY_NO_SIMD';

/** Unsigned LEB128. */
export const u = (n: number): number[] => {
  const out: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n);
  return out;
};
const str = (s: string) => [...u(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...u(body.length), ...body];
const vec = (items: number[][]) => [...u(items.length), ...items.flat()];

export const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
export const get = (i: number) => [0x20, i], set = (i: number) => [0x21, i], tee = (i: number) => [0x22, i];
export const simd = (op: number, ...imm: number[]) => [0xfd, ...u(op), ...imm];
export const V128_LOAD = 0x00, V128_STORE = 0x0b, F32X4_SPLAT = 0x13;
export const F32X4_SQRT = 0xe3, F32X4_ADD = 0xe4, F32X4_MUL = 0xe6, F32X4_DIV = 0xe7;
export const F32X4_GT = 0x44, V128_AND = 0x4e, V128_ANDNOT = 0x4f, V128_OR = 0x50, V128_BITSELECT = 0x52;
export const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_NE = 0x47, I32_CONST = 0x41, F32_CONST = 0x43, F32_LOAD = 0x2a;
export const LOOP = 0x03, BR_IF = 0x0d, END = 0x0b;
/** v128.load / v128.store with the given log2 alignment (4 = 16 bytes, wabt's default) and offset. */
export const load = (align = 4, offset = 0) => simd(V128_LOAD, align, ...u(offset));
export const store = (align = 4, offset = 0) => simd(V128_STORE, align, ...u(offset));

/** One exported function: its name, parameter types, and body (local declarations, then code). */
export interface WasmFunc { name: string; params: number[]; body: number[] }

/**
 * A module that imports "env"."memory" (min 0 pages, no max) and exports `funcs` in order, one
 * type per function (no results), laid out as wabt lays out the equivalent text.
 */
export function moduleBytes(funcs: WasmFunc[]): Uint8Array {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(funcs.map((f) => [0x60, ...u(f.params.length), ...f.params, 0]))),
    ...section(2, [1, ...str('env'), ...str('memory'), 0x02, 0x00, 0x00]),
    ...section(3, vec(funcs.map((_, i) => [i]))),
    ...section(7, vec(funcs.map((f, i) => [...str(f.name), 0x00, i]))),
    ...section(10, vec(funcs.map((f) => [...u(f.body.length), ...f.body]))),
  ]);
}
