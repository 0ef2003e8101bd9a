/**
 * The kernel paths of a study's seeds (seed.json `kernelPaths`, written per seed; the record is
 * defined in ml/kernels/paths.ts) for the report's header, the terminal summary and its warnings:
 * which implementation ran each tfjs wasm kernel (SIMD module, JS loop, tfjs' own), or that the
 * engine ran none, and which seeds fell back from the SIMD module to a slower path.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describePaths, slowPathWarning, type FixedKernel, type KernelPath, type KernelPaths } from '../ml/kernels/paths.ts';

export interface StudyKernels {
  /** One line: what ran the kernels, over all seeds, e.g. "tfjs wasm kernels, SIMD module on 2 of 2 seeds — Add: simd 60%, tfjs 40%; …". */
  summary: string;
  /** One warning per group of seeds that fell back from the SIMD module for the same reason. */
  warnings: string[];
}

const SEED_DIR = /^seed-(\d+)$/;

/** seed → its seed.json `kernelPaths` (null: the seed.json has none, written before they were recorded). */
function readKernelPaths(dirs: string[]): Map<number, KernelPaths | null> {
  const out = new Map<number, KernelPaths | null>();
  for (const dir of dirs) {
    const seedsDir = join(dir, 'seeds');
    if (!existsSync(seedsDir)) continue;
    for (const name of readdirSync(seedsDir)) {
      const m = SEED_DIR.exec(name);
      const file = join(seedsDir, name, 'seed.json');
      if (!m || !existsSync(file)) continue;
      try {
        const j = JSON.parse(readFileSync(file, 'utf8')) as { kernelPaths?: KernelPaths };
        out.set(Number(m[1]), j.kernelPaths && typeof j.kernelPaths === 'object' ? j.kernelPaths : null);
      } catch {
        out.set(Number(m[1]), null); // unreadable: the seed's verification reports it; here it is "not recorded"
      }
    }
  }
  return out;
}

const seedList = (seeds: number[]) => `seed${seeds.length === 1 ? '' : 's'} ${seeds.sort((a, b) => a - b).join(', ')}`;

/** The kernel summary and warnings of the seeds under `dirs` (each an out/<study> folder), optionally without `skip`. */
export function studyKernels(dirs: string[], skip: ReadonlySet<number> = new Set()): StudyKernels {
  const all = [...readKernelPaths(dirs)].filter(([seed]) => !skip.has(seed));
  if (!all.length) return { summary: 'not recorded (no seed folders)', warnings: [] };
  const parts: string[] = [];
  const warnings: string[] = [];
  const unrecorded = all.filter(([, p]) => p === null).map(([s]) => s);
  if (unrecorded.length) parts.push(`not recorded for ${seedList(unrecorded)} (written before kernel paths were recorded)`);
  // Seeds without wasm kernels, grouped by why (engine, backend).
  const none = new Map<string, number[]>();
  for (const [seed, p] of all) if (p && !p.wasmKernels) none.set(p.note ?? 'no wasm kernels', [...(none.get(p.note ?? 'no wasm kernels') ?? []), seed]);
  for (const [note, seeds] of none) parts.push(`${note} (${seedList(seeds)})`);
  const wasm = all.filter(([, p]) => p?.wasmKernels) as [number, KernelPaths][];
  if (wasm.length) {
    const simdSeeds = wasm.filter(([, p]) => p.simd === 'ok').length;
    parts.push(`tfjs wasm kernels on ${wasm.length} seed${wasm.length === 1 ? '' : 's'}, SIMD module on ${simdSeeds} of them — ${describePaths(wasm.map(([, p]) => p)).join('; ')}`);
    // Seeds that fell back, grouped by the reason the SIMD module was not used; fallback calls summed.
    const byReason = new Map<string, { seeds: number[]; fallbacks: KernelPaths['fallbacks'] }>();
    for (const [seed, p] of wasm) {
      if (!slowPathWarning(p)) continue;
      const g = byReason.get(p.simd ?? '') ?? { seeds: [], fallbacks: {} };
      g.seeds.push(seed);
      for (const [k, paths] of Object.entries(p.fallbacks) as [FixedKernel, Partial<Record<KernelPath, number>>][]) {
        const f = (g.fallbacks[k] ??= {});
        for (const [path, n] of Object.entries(paths) as [KernelPath, number][]) f[path] = (f[path] ?? 0) + n;
      }
      byReason.set(p.simd ?? '', g);
    }
    for (const [simd, g] of byReason) {
      const merged: KernelPaths = { wasmKernels: true, note: null, simd: simd || null, calls: {}, fallbacks: g.fallbacks };
      warnings.push(`${seedList(g.seeds)} (of ${wasm.length} on tfjs wasm): ${slowPathWarning(merged)}`);
    }
  }
  return { summary: parts.join('; '), warnings };
}
