/**
 * The PyTorch side of `npm run bench -- --torch`: finding python3 + torch, running
 * bench/torch_reference.py, and the side-by-side table (medians of interleaved rounds, ratio =
 * ours / PyTorch, so ≥ 1 means we are at least as fast). Pure helpers, tested in test/bench.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WARMUP_SECONDS } from './steps.ts';

/** Debian's python (the one python3-torch installs into), unless FILTERSTUDY_PYTHON names another. */
export const DEFAULT_PYTHON = '/usr/bin/python3';
/** Debian's pthread OpenBLAS, pinned to one thread below: one core, as one worker of ours. */
export const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
export const TORCH_SCRIPT = fileURLToPath(new URL('./torch_reference.py', import.meta.url));

export interface TorchRun { python: string; env: NodeJS.ProcessEnv }

/**
 * glibc malloc settings under which both sides of the bench run (bin/bench.mjs passes them to every
 * section, torchRun to PyTorch): keep freed memory in the heap instead of handing it back to the
 * kernel after every step. PyTorch frees and re-allocates its activations each step, and on this
 * VM the page faults of re-mapping them cost more than the step: `torch_reference.py --steps 40`,
 * SGD, idle 2-core AMD EPYC, 2026-12-07, CNN 2,285 → 9,676 images/s, model-2 1,296 → 4,496 pairs/s
 * (3.5 of 10.7 s were sys time without them). A whole filterstudy seed does not change with them
 * (paper preset, 2 epochs, 3 runs each way, median wall ratio 0.985), so for ours they only remove a
 * start-up cost that short bench runs would otherwise count. Values: mmap threshold at glibc's
 * 32 MB maximum, trim at 1 GB, 256 MB top pad.
 */
export const MALLOC_KEEP: Record<string, string> = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '1073741824', MALLOC_TOP_PAD_: '268435456' };

export function torchRun(env: NodeJS.ProcessEnv = process.env): TorchRun {
  const ld = existsSync(OPENBLAS_DIR) ? [OPENBLAS_DIR, env.LD_LIBRARY_PATH].filter(Boolean).join(':') : env.LD_LIBRARY_PATH ?? '';
  return { python: env.FILTERSTUDY_PYTHON || DEFAULT_PYTHON, env: { ...env, ...MALLOC_KEEP, LD_LIBRARY_PATH: ld, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' } };
}

export type TorchProbe = { ok: true; version: string } | { ok: false; reason: string };

/** Whether `python` can import torch; if not, why (the reason the bench prints when it skips). */
export function probeTorch(run: TorchRun): TorchProbe {
  if (!existsSync(run.python)) return { ok: false, reason: `${run.python} does not exist (set FILTERSTUDY_PYTHON, or run scripts/install-torch.sh as root)` };
  const r = spawnSync(run.python, ['-c', 'import torch, numpy; print(torch.__version__)'], { env: run.env, encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, reason: `${run.python} did not run: ${r.error.message}` };
  if (r.status !== 0) {
    const last = (r.stderr || '').trim().split('\n').pop() ?? '';
    return { ok: false, reason: `${run.python} cannot import torch and numpy (${last || `exit ${r.status}`}); run scripts/install-torch.sh as root` };
  }
  return { ok: true, version: r.stdout.trim() };
}

/** torch_reference.py's two ways of writing the networks; the bench compares against the faster. */
export const TORCH_VARIANTS = ['tuned', 'as-ours'] as const;
export type TorchVariant = (typeof TORCH_VARIANTS)[number];

export interface TorchResult {
  torch: string; optimizer: string; data: string; variant: TorchVariant;
  cnnImagesPerSec: number; model2PairsPerSec: number; cnnImagesPerCpuSec: number; model2PairsPerCpuSec: number;
}

/** One run of the reference script; throws with its stderr when it fails. */
export function runTorch(run: TorchRun, o: { optimizer: string; steps: number; batch: number; variant?: TorchVariant }): TorchResult {
  const args = ['--optimizer', o.optimizer, '--steps', String(o.steps), '--batch', String(o.batch), '--variant', o.variant ?? 'tuned', '--warmup-seconds', String(WARMUP_SECONDS)];
  const r = spawnSync(run.python, [TORCH_SCRIPT, ...args], { env: run.env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`torch_reference.py failed (exit ${r.status}): ${(r.stderr || r.error?.message || '').trim().slice(-500)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as TorchResult;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

export interface SideBySideRow { label: string; unit: string; ours: number[]; torch: number[] }

/**
 * The PyTorch reference of one round: the faster of its variants (each run once in the round), so
 * the ratio is against the best PyTorch we know how to write, never against a slow way of writing it.
 */
export function fasterOf(values: number[]): number {
  return Math.max(...values);
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');

/** Markdown table: one row per measurement, medians of the rounds, ratio ours/PyTorch to 2 places. */
export function sideBySideTable(rows: SideBySideRow[], heads: { ours: string; torch: string }): string {
  const out = [`| | ${heads.ours} | ${heads.torch} | ratio | ratio per round (median) |`, '|---|---|---|---|---|'];
  for (const r of rows) {
    const o = median(r.ours);
    const t = median(r.torch);
    // ours / PyTorch within each round (seconds apart): less exposed to the machine's speed drifting
    // between rounds than the ratio of the two medians
    const perRound = r.ours.map((x, i) => x / r.torch[i]);
    out.push(`| ${r.label}, ${r.unit} | ${int(o)} | ${int(t)} | ${(o / t).toFixed(2)} | ${perRound.map((x) => x.toFixed(2)).join(', ')} (${median(perRound).toFixed(2)}) |`);
  }
  return out.join('\n');
}
