/** Grouping of tf.profile kernel records for bench/profile.ts (tested in test/bench.test.ts). */

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
