/**
 * What the wasm kernels of this folder share: the parts of tfjs-backend-wasm's backend they use
 * (outputs, typed views of its heap, disposal), calling another kernel's function directly, and the
 * SIMD module (simd.ts) on the backend's memory, which FILTERSTUDY_NO_SIMD turns off and whose use,
 * or why not, each call records (paths.ts).
 */
import type * as tfType from '../tfjs.ts';
import { noteSimd } from './paths.ts';
import { simdModule, type SimdKernels } from './simd.ts';
import { simdOffByEnv } from './wasm-asm.ts';

export type TF = typeof tfType;
export type Info = tfType.TensorInfo;
type Heap = Float32Array | Int32Array | Uint8Array;
/** The parts of tfjs-backend-wasm's BackendWasm we use. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tfType.DataType): Info;
  typedArrayFromHeap(t: Info): Heap;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Attrs = Record<string, any>;
export type Args = { inputs: Record<string, Info>; backend: WasmBackend; attrs: Attrs };
export type KFunc = (args: Args) => Info;

export const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
export const heapF32 = (be: WasmBackend, t: Info) => be.typedArrayFromHeap(t) as Float32Array;
/** Runs another kernel's function directly: not through the engine, so nothing goes on the gradient tape. */
export const call = (c: tfType.KernelConfig, args: Args) => (c.kernelFunc as unknown as KFunc)(args);

/**
 * Why the SIMD module is not to be used even where it could run, or null. FILTERSTUDY_NO_SIMD=1 (any
 * value but '' and '0') pretends a runtime without wasm SIMD: the fallbacks run, and each seed
 * says so (paths.ts) — what the tests of that warning use.
 */
let simdOff: string | null = simdOffByEnv();
/** Turns the SIMD module off (`why`) or back on (null) in this thread, as FILTERSTUDY_NO_SIMD does at start. */
export function disableSimd(why: string | null): void {
  simdOff = why;
}

/**
 * The SIMD module on this backend's memory, or null; either way the seed's kernel paths record
 * whether it ran or why not. tfjs-backend-wasm 4.22 (emscripten) keeps its instance exports at
 * backend.wasm.asm; a tfjs upgrade may move them (newer emscripten calls them wasmExports), and
 * that must show up as a warning, not only as slower training.
 */
export function simdOf(be: WasmBackend): SimdKernels | null {
  if (simdOff !== null) {
    noteSimd(simdOff);
    return null;
  }
  const memory = (be as unknown as { wasm?: { asm?: { memory?: unknown } } }).wasm?.asm?.memory;
  const k = memory === undefined ? "tfjs-backend-wasm's memory is not at backend.wasm.asm.memory (tfjs internals changed?)" : simdModule(memory);
  noteSimd(typeof k === 'string' ? k : 'ok');
  return typeof k === 'string' ? null : k;
}
