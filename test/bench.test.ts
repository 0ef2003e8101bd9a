/**
 * The bench's own logic (not its speed): the side-by-side table and its ratio, the reason it gives
 * when PyTorch is missing, the seed-phase split and its linear extrapolation, worker scaling spans,
 * and the PyTorch reference script's argument check. No timing is asserted anywhere.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inSeedRates, inSeedSummary, type InSeedRound } from '../bench/in-seed-lib.ts';
import { gemmFlops, groupKernels } from '../bench/profile-lib.ts';
import { extrapolate, phasesOf, phasesTable, scalingTable, span, type SeedRun } from '../bench/seeds-lib.ts';
import { checkEngineName, warmUp } from '../bench/steps.ts';
import { MALLOC_KEEP, TORCH_SCRIPT, fasterOf, median, probeTorch, sideBySideTable, torchRun } from '../bench/torch-compare.ts';

describe('side-by-side table', () => {
  it('prints medians, ours / PyTorch per row, and the ratio within each round with its median', () => {
    const table = sideBySideTable([
      { label: 'CNN training (sgd)', unit: 'images/s', ours: [4000, 5000, 4500], torch: [10000, 9000, 11000] },
      { label: 'model-2 training (adam)', unit: 'pairs/s', ours: [3000, 3100], torch: [1500, 1500] },
    ], { ours: 'filterstudy (wasm via Engine, 1 thread)', torch: 'PyTorch 1.13 + OpenBLAS' });
    expect(table.split('\n')).toEqual([
      '| | filterstudy (wasm via Engine, 1 thread) | PyTorch 1.13 + OpenBLAS | ratio | ratio per round (median) |',
      '|---|---|---|---|---|',
      '| CNN training (sgd), images/s | 4,500 | 10,000 | 0.45 | 0.40, 0.56, 0.41 (0.41) |',
      '| model-2 training (adam), pairs/s | 3,050 | 1,500 | 2.03 | 2.00, 2.07 (2.03) |',
    ]);
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('PyTorch probe', () => {
  it('skips with a reason naming the missing python', () => {
    const p = probeTorch(torchRun({ FILTERSTUDY_PYTHON: '/nonexistent/python3' }));
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.reason).toMatch(/\/nonexistent\/python3 does not exist.*install-torch\.sh/);
  });

  it('skips with a reason when python cannot import torch', () => {
    // /bin/false stands in for a python that exits non-zero on `import torch`.
    const p = probeTorch(torchRun({ FILTERSTUDY_PYTHON: '/bin/false' }));
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.reason).toMatch(/cannot import torch/);
  });

  it('runs PyTorch on one OpenBLAS thread', () => {
    const run = torchRun({ LD_LIBRARY_PATH: '/opt/x' });
    expect(run.env.OPENBLAS_NUM_THREADS).toBe('1');
    expect(run.env.LD_LIBRARY_PATH).toContain('/opt/x');
  });

  it('gives PyTorch and every bench section the same glibc malloc settings', () => {
    const run = torchRun({});
    for (const [k, v] of Object.entries(MALLOC_KEEP)) expect(run.env[k], k).toBe(v);
    // bin/bench.mjs is plain JavaScript with its own copy: it must say the same
    const launcher = readFileSync(new URL('../bin/bench.mjs', import.meta.url), 'utf8');
    const copy = /const MALLOC_KEEP = (\{[^}]*\});/.exec(launcher);
    expect(copy, 'bin/bench.mjs declares MALLOC_KEEP').not.toBeNull();
    expect(Function(`return ${copy![1]}`)()).toEqual(MALLOC_KEEP);
  });

  const torch = torchRun();
  it.skipIf(!probeTorch(torch).ok)('the reference script refuses a zero step count (needs python3 + torch)', () => {
    const r = spawnSync(torch.python, [TORCH_SCRIPT, '--steps', '0'], { encoding: 'utf8', env: torch.env });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--steps and --batch must be at least 1/);
  });

  it.skipIf(!probeTorch(torch).ok)('the reference script refuses a negative warm-up (needs python3 + torch)', () => {
    const r = spawnSync(torch.python, [TORCH_SCRIPT, '--warmup-seconds', '-1'], { encoding: 'utf8', env: torch.env });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--warmup-seconds must be 0 or more/);
  });

  it.skipIf(!probeTorch(torch).ok)('the reference script\'s two variants are the same network (needs python3 + torch)', () => {
    const r = spawnSync(torch.python, [TORCH_SCRIPT, '--check-variants'], { encoding: 'utf8', env: torch.env });
    expect(r.status, r.stderr).toBe(0);
    const { maxAbsDiff } = JSON.parse(r.stdout.trim()) as { maxAbsDiff: number };
    expect(maxAbsDiff).toBeLessThan(1e-5);
  });
});

describe('the PyTorch reference of a round', () => {
  it('is the faster variant', () => {
    expect(fasterOf([5000, 6200])).toBe(6200);
    expect(fasterOf([7000])).toBe(7000);
  });
});

describe('engine names', () => {
  it('accepts the known ones and refuses others with a coded error', () => {
    expect(checkEngineName('wasm')).toBe('wasm');
    expect(() => checkEngineName('gpu')).toThrow(expect.objectContaining({ code: 'E_CONFIG', message: expect.stringMatching(/gpu/) }));
  });
});

const run = (o: Partial<SeedRun> = {}): SeedRun => ({
  seed: 1, start: 1000, end: 31000, engine: 'wasm', seconds: 30,
  trainSeconds: { model1: 14, model2: 10 },
  phaseSeconds: { runSeed: 26, export: 0.5, onnxEvaluate: 1.5 },
  epochSeconds: [
    { model: 'model1', network: 'cnn1', epoch: 1, seconds: 5 },
    { model: 'model1', network: 'cnn2', epoch: 1, seconds: 5 },
    { model: 'model1', network: 'lstm', epoch: 1, seconds: 1 },
    { model: 'model1', network: 'lstm', epoch: 2, seconds: 1 },
    { model: 'model2', network: 'pipeline', epoch: 1, seconds: 10 },
  ],
  ...o,
});

describe('seed phases', () => {
  it('splits a seed into training, evaluation, export and setup', () => {
    expect(phasesOf(run())).toEqual({ training: 24, evaluation: 26 - 24 + 1.5, export: 0.5, setup: 2, total: 30 });
  });

  it('counts the noise-floor rerun as training and claim 4 as evaluation', () => {
    const r = run({ claim4Seconds: 1, seconds: 31, epochSeconds: [...run().epochSeconds, { model: 'model1', network: 'cnn1-rerun', epoch: 1, seconds: 1.5 }] });
    expect(phasesOf(r)).toEqual({ training: 25.5, evaluation: 26 - 25.5 + 1.5 + 1, export: 0.5, setup: 2, total: 31 });
  });

  it('extrapolates each network by its mean epoch, keeping the fixed part, evaluation and export', () => {
    // measured epochs sum to 22 of the 24 training seconds: 2 s are fixed (LSTM input encoding)
    const p = extrapolate(run(), (network) => (network === 'lstm' ? 20 : 100));
    expect(p.training).toBeCloseTo(2 + 5 * 100 + 5 * 100 + 1 * 20 + 10 * 100, 9);
    expect(p.evaluation).toBe(3.5);
    expect(p.export).toBe(0.5);
    expect(p.total).toBeCloseTo(30 - 24 + p.training, 9);
  });

  it('span runs from the first start to the last end', () => {
    expect(span([run({ start: 0, end: 5000 }), run({ start: 1000, end: 9000 })])).toBe(9);
  });

  it('phases table: one row per preset with the evaluation share', () => {
    const lines = phasesTable([{ preset: 'quick', phases: phasesOf(run()), note: 'measured' }]).split('\n');
    expect(lines[0]).toMatch(/^\| preset \| training s \| evaluation s \| ONNX export s \| setup s \| total s per seed/);
    expect(lines[2]).toBe('| quick | 24.0 | 3.5 | 0.50 | 2.0 | 30.0 | 16.7 % | measured |');
  });

  it('scaling table: each part of a seed, one worker against two at once, speedup 2 × one / at once', () => {
    const slow = run({ seconds: 40, phaseSeconds: { runSeed: 36, export: 0.5, onnxEvaluate: 1.5 }, trainSeconds: { model1: 14, model2: 20 },
      epochSeconds: [...run().epochSeconds.slice(0, 4), { model: 'model2', network: 'pipeline', epoch: 1, seconds: 20 }] });
    const lines = scalingTable([run(), run()], [slow, slow]).split('\n');
    expect(lines[0]).toBe('| part of a seed | one worker s | two at once s | speedup |');
    expect(lines).toContain('| model1 cnn1 epochs | 5.00 | 5.00 | 2.00 |');
    expect(lines).toContain('| model1 lstm epochs | 2.00 | 2.00 | 2.00 |');
    expect(lines).toContain('| model2 pipeline epochs | 10.00 | 20.00 | 1.00 |');
    expect(lines).toContain('| training outside epochs | 2.00 | 2.00 | 2.00 |');
    expect(lines).toContain('| total | 30.00 | 40.00 | 1.50 |');
  });
});

describe('profile grouping', () => {
  it('groups kernels by op and input shapes, per step', () => {
    const k = (name: string, shapes: number[][], ms: number) => ({ name, inputShapes: shapes, kernelTimeMs: ms });
    const rows = groupKernels([k('MatMul', [[2, 3], [3, 4]], 4), k('MatMul', [[2, 3], [3, 4]], 2), k('Relu', [[2, 4]], 1), k('MatMul', [[4, 4], [4, 4]], 1)], 2);
    expect(rows[0]).toEqual({ op: 'MatMul', shapes: '[2,3] [3,4]', calls: 1, ms: 3 });
    expect(rows.map((r) => r.op)).toEqual(['MatMul', 'Relu', 'MatMul']);
  });
});

describe('in-seed vs bench (bench/in-seed.ts)', () => {
  // 42,000 items in 2,000 ms of steps + 500 ms of validation; 12,800 bench items in 1,000 ms; CPU = wall + 10 %
  const round = (k: number): InSeedRound => ({ items: 42_000, stepsWall: 2000 * k, stepsCpu: 2200 * k, valWall: 500 * k, valCpu: 550 * k, benchItems: 12_800, benchWall: 1000, benchCpu: 1100 });
  it('takes each rate per round, then the median over rounds', () => {
    const q = inSeedRates([round(1), round(3), round(1.5)]);
    expect(q.steps[0]).toBeCloseTo(42_000 / 3, 6); // median of 21,000, 7,000, 14,000
    expect(q.epoch[0]).toBeCloseTo(42_000 / 3.75, 6);
    expect(q.bench).toEqual([12_800, 12_800 / 1.1]);
    expect(q.valSeconds).toBe(0.75);
  });
  it('prints the ratios to the bench block', () => {
    const s = inSeedSummary('CNN (images)', [round(1)]);
    expect(s).toMatch(/epoch's training steps\s+wall\s+21,000\/s\s+cpu\s+19,091\/s\s+= 164 % \(wall\), 164 % \(cpu\) of the bench/);
    expect(s).toMatch(/epoch with validation\s+wall\s+16,800\/s.*= 131 % \(wall\)/);
    expect(s).toContain('validation pass 0.50 s per epoch');
  });
});

describe('warm-up before timing (bench/steps.ts warmUp, the rule torch_reference.py follows too)', () => {
  it('takes at least the minimum steps, in order from 0, when no time is asked for', async () => {
    const seen: number[] = [];
    expect(await warmUp(async (s) => void seen.push(s), { steps: 3, seconds: 0 })).toBe(3);
    expect(seen).toEqual([0, 1, 2]);
  });

  it('keeps stepping until the seconds have passed, and says how many steps that took', async () => {
    const seen: number[] = [];
    const t0 = performance.now();
    const n = await warmUp(async (s) => { seen.push(s); await new Promise((r) => setTimeout(r, 5)); }, { steps: 1, seconds: 0.05 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    expect(n).toBe(seen.length);
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(n).toBeGreaterThanOrEqual(2); // one 5 ms step cannot cover 50 ms
  });

  it('the PyTorch side is told the same seconds', () => {
    expect(readFileSync(new URL('../bench/torch-compare.ts', import.meta.url), 'utf8')).toMatch(/'--warmup-seconds', String\(WARMUP_SECONDS\)/);
  });
});

describe('GEMM FLOPs from an onnxruntime profile event (bench/ort-step.ts --profile)', () => {
  const ev = (op: string, a: number[], out: number[]) => ({ cat: 'Node', name: 'n_kernel_time', dur: 1, args: { op_name: op, input_type_shape: [{ float: a }, { float: [1, 1] }], output_type_shape: [{ float: out }] } });
  it('reads K from A whether or not A is transposed', () => {
    expect(gemmFlops(ev('FusedGemm', [128, 2704], [128, 128]))).toBe(2 * 128 * 128 * 2704); // dense1 forward
    expect(gemmFlops(ev('Gemm', [9, 21632], [21632, 16]))).toBe(2 * 21632 * 16 * 9); // conv: patchesᵀ · W
    expect(gemmFlops(ev('Gemm', [128, 2704], [2704, 128]))).toBe(2 * 2704 * 128 * 128); // dense1 dW: flatᵀ · dpre1
    expect(gemmFlops(ev('Gemm', [9, 21632], [9, 16]))).toBe(2 * 9 * 16 * 21632); // conv dW: patches · g
    expect(gemmFlops(ev('MatMul', [4, 4], [4, 4]))).toBe(128);
  });
  it('is null for other ops and for shapes that are not 2-D', () => {
    expect(gemmFlops(ev('Mul', [128, 2704], [128, 2704]))).toBeNull();
    expect(gemmFlops(ev('MatMul', [2, 3, 4], [2, 3, 5]))).toBeNull();
    expect(gemmFlops({ cat: 'Node', name: 'x', dur: 1 })).toBeNull();
  });
});
