/** Grouping of tf.profile kernel records for bench/profile.ts, and GEMM FLOPs of onnxruntime profile events for bench/ort-step.ts (tested in test/bench.test.ts). */

export interface KernelRow { op: string; shapes: string; calls: number; ms: number }

/** Kernel times of tf.profile, grouped by kernel name and input shapes, per step. */
export function groupKernels(kernels: { name: string; inputShapes: number[][]; kernelTimeMs: unknown }[], steps: number): KernelRow[] {
  const rows = new Map<string, KernelRow>();
  for (const k of kernels) {
    const shapes = k.inputShapes.map((s) => `[${s?.join(',') ?? ''}]`).join(' ');
    const key = `${k.name} ${shapes}`;
    const r = rows.get(key) ?? { op: k.name, shapes, calls: 0, ms: 0 };
    r.calls += 1 / steps;
    r.ms += (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0) / steps;
    rows.set(key, r);
  }
  return [...rows.values()].sort((a, b) => b.ms - a.ms);
}

/** One event of an onnxruntime session profile (chrome-trace JSON), the fields bench/ort-step.ts reads. */
export type OrtProfileEvent = { cat: string; name: string; dur: number; args?: { op_name?: string; input_type_shape?: Record<string, number[]>[]; output_type_shape?: Record<string, number[]>[] } };

/**
 * FLOPs of one Gemm/FusedGemm/MatMul node from its profiled shapes: 2·M·N·K for output [M,N] and A
 * [a0,a1]. A is [M,K], or [K,M] when transposed: so K = a1 when a0 = M (a transposed A with a0 = M is
 * square, K = M = a1 too), else K = a0. Null for other ops or shapes that are not 2-D.
 */
export function gemmFlops(e: OrtProfileEvent): number | null {
  if (!/^(Fused)?Gemm$|^MatMul$/.test(e.args?.op_name ?? '')) return null;
  const out = Object.values(e.args?.output_type_shape?.[0] ?? {})[0];
  const a = Object.values(e.args?.input_type_shape?.[0] ?? {})[0];
  if (!out || !a || out.length !== 2 || a.length !== 2) return null;
  const [M, N] = out;
  const K = a[0] === M ? a[1] : a[0];
  return 2 * M * N * K;
}
