/**
 * Which implementation ran each call of a wasm kernel that index.ts replaces: the SIMD module
 * (simd.ts), a JS loop (loops.ts or inline), or tfjs' own kernel. Tallied per worker thread (a
 * thread runs one seed at a time) and taken per seed into seed.json `kernelPaths`, so that a seed
 * whose kernels fell back from the SIMD module (no wasm SIMD, or tfjs-backend-wasm's internals
 * changed and its memory is no longer where index.ts looks) says so, in the run output and in
 * the report, instead of only training slower (1.3–1.45× per step, README).
 *
 * No tfjs import here: the report and the coordinator read these records without loading tfjs.
 */

/** The tfjs-backend-wasm kernels that index.ts replaces (registerWasmKernelFixes). */
export const FIXED_KERNELS = ['Conv2DBackpropFilter', 'BatchMatMul', 'MaxPoolGrad', 'Slice', 'Sum', 'Identity', 'Cast', 'Add'] as const;
export type FixedKernel = (typeof FIXED_KERNELS)[number];

/**
 * One implementation of a fixed kernel. 'simd': the SIMD module; 'js-*': a JS loop on the wasm heap
 * (js-loop: the same computation as the SIMD module, its no-SIMD fallback; js-general: any window or
 * stride; js-runs: contiguous copies; js-columns: column sums); 'im2col+matmul': im2col in JS then
 * tfjs' XNNPACK matmul; 'transposed': explicit transposes then tfjs' un-flagged matmul; 'shared':
 * zero-copy; 'tfjs': tfjs-backend-wasm's own kernel.
 */
export type KernelPath = 'simd' | 'js-loop' | 'js-general' | 'js-runs' | 'js-columns' | 'im2col+matmul' | 'transposed' | 'shared' | 'tfjs';

/** seed.json `kernelPaths`: what ran the seed's tfjs wasm kernels, or that none ran. */
export interface KernelPaths {
  /** True when the seed ran on tfjs' wasm backend with index.ts's kernels registered. */
  wasmKernels: boolean;
  /** Why no wasm kernels ran (the engine or backend used), or null when they did. */
  note: string | null;
  /** 'ok' when the SIMD module ran on the backend's memory, else why it could not (null: never asked for). */
  simd: string | null;
  /** kernel name → implementation → calls during the seed (training, evaluation and claim-4 passes). */
  calls: Partial<Record<FixedKernel, Partial<Record<KernelPath, number>>>>;
  /** kernel name → slower path → calls whose shapes fit the SIMD module but ran that path because it was unavailable. */
  fallbacks: Partial<Record<FixedKernel, Partial<Record<KernelPath, number>>>>;
}

let calls: KernelPaths['calls'] = {};
let fallbacks: KernelPaths['fallbacks'] = {};
let simd: string | null = null;

/** Counts one call of `kernel` that ran `path`; `fellBack`: it would have run the SIMD module had that been available. */
export function countPath(kernel: FixedKernel, path: KernelPath, fellBack = false): void {
  const k = (calls[kernel] ??= {});
  k[path] = (k[path] ?? 0) + 1;
  if (fellBack) {
    const f = (fallbacks[kernel] ??= {});
    f[path] = (f[path] ?? 0) + 1;
  }
}

/** Records whether the SIMD module could be used ('ok') or why not; the first reason not 'ok' is kept. */
export function noteSimd(status: string): void {
  if (simd === null || simd === 'ok') simd = status;
}

/** This thread's tally since the last call (the seed's kernels), and a fresh tally for the next seed. */
export function takeKernelPaths(): KernelPaths {
  const out: KernelPaths = { wasmKernels: true, note: null, simd, calls, fallbacks };
  calls = {};
  fallbacks = {};
  simd = null;
  return out;
}

/** The record of a seed that ran no tfjs wasm kernels (onnxruntime engine, tfjs cpu or tfjs-node backend). */
export function noWasmKernels(note: string): KernelPaths {
  return { wasmKernels: false, note, simd: null, calls: {}, fallbacks: {} };
}

/**
 * The warning for a seed whose kernels fell back from the SIMD module, or null. One sentence, e.g.
 * "slow kernel path: the wasm SIMD module was not used (disabled by FILTERSTUDY_NO_SIMD):
 * Conv2DBackpropFilter ran js-loop on 100 calls, …; training is slower than with SIMD, …".
 */
export function slowPathWarning(p: KernelPaths | undefined | null): string | null {
  if (!p?.wasmKernels) return null;
  const fell = Object.entries(p.fallbacks).sort(([a], [b]) => a.localeCompare(b)).flatMap(([k, paths]) =>
    Object.entries(paths ?? {}).filter(([, n]) => (n ?? 0) > 0).map(([path, n]) => `${k} ran ${path} on ${n} call${n === 1 ? '' : 's'}`));
  if (!fell.length) return null;
  const what = fell.join(', ');
  return `slow kernel path: the wasm SIMD module was not used (${p.simd ?? 'reason unknown'}): ${what}; training is slower than with SIMD, and the fallbacks sum in a different order (float32 rounding differs)`;
}

/**
 * One line per kernel: each implementation's share of the calls, e.g.
 * "Add: simd 92%, tfjs 8%". Calls summed over the records given (seeds).
 */
export function describePaths(records: KernelPaths[]): string[] {
  const total: Record<string, Record<string, number>> = {};
  for (const r of records) {
    for (const [k, paths] of Object.entries(r.calls)) {
      const t = (total[k] ??= {});
      for (const [path, n] of Object.entries(paths ?? {})) t[path] = (t[path] ?? 0) + (n ?? 0);
    }
  }
  return Object.entries(total).sort(([a], [b]) => a.localeCompare(b)).map(([k, paths]) => {
    const sum = Object.values(paths).reduce((a, b) => a + b, 0);
    const parts = Object.entries(paths).sort((a, b) => b[1] - a[1]).map(([path, n]) => (n === sum ? path : `${path} ${pct(n / sum)}`));
    return `${k}: ${parts.join(', ')}`;
  });
}

/** A share as a percentage that never shows 0% or 100% for a part that is neither. */
function pct(f: number): string {
  const p = Math.round(f * 100);
  return `${p === 0 ? '<1' : p === 100 ? '>99' : p}%`;
}
