/**
 * Which kernel implementation ran is recorded per seed, and a fallback from the SIMD module is a
 * warning: in the kernels' tally (src/ml/kernels/paths.ts), with the SIMD module turned off as
 * FILTERSTUDY_NO_SIMD does and with tfjs-backend-wasm's internals moved (a mocked backend); in the
 * run output (live display and --json lines); in seed.json and the report of a real run (the CLI
 * with FILTERSTUDY_NO_SIMD=1); and for the onnxruntime engine, that no wasm kernels ran.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../src/ml/tfjs.ts';
import '@tensorflow/tfjs-backend-wasm';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { disableSimd, registerWasmKernelFixes, restoreWasmKernels } from '../src/ml/kernels/index.ts';
import { describePaths, noWasmKernels, slowPathWarning, takeKernelPaths, type KernelPaths } from '../src/ml/kernels/paths.ts';
import { createReporter } from '../src/coordinator/progress.ts';
import { tempDir } from './helpers.ts';

/** One conv layer's forward and backward pass on the wasm backend: Conv2DBackpropFilter, MaxPoolGrad and the bias Add. */
function convStep(cout: number): void {
  tf.tidy(() => {
    const x = tf.randomNormal([2, 10, 10, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const b = tf.randomNormal([cout], 0, 1, 'float32', 3);
    const grads = tf.grads((k: tf.Tensor, bias: tf.Tensor) =>
      tf.sum(tf.maxPool(tf.relu(tf.add(tf.conv2d(x, k as tf.Tensor4D, 1, 'valid'), bias)) as tf.Tensor4D, 2, 2, 'valid')));
    grads([tf.randomNormal([3, 3, 1, cout], 0, 1, 'float32', 2), b]).forEach((g) => g.dataSync());
  });
}

describe('kernel paths on the wasm backend', () => {
  beforeAll(async () => {
    setThreadsCount(1);
    await tf.setBackend('wasm');
    await tf.ready();
    registerWasmKernelFixes(tf);
  });
  afterAll(() => {
    disableSimd(null);
    restoreWasmKernels(tf);
  });

  it('with SIMD: the study conv runs the SIMD module, no fallback, no warning', () => {
    takeKernelPaths();
    convStep(16);
    const p = takeKernelPaths();
    expect(p.simd).toBe('ok');
    expect(p.calls.Conv2DBackpropFilter).toEqual({ simd: 1 });
    expect(p.calls.MaxPoolGrad).toEqual({ simd: 1 });
    expect(p.calls.Add?.simd).toBeGreaterThanOrEqual(1);
    expect(p.fallbacks).toEqual({});
    expect(slowPathWarning(p)).toBeNull();
    expect(takeKernelPaths().calls).toEqual({}); // taken: the next seed starts from zero
  });

  it('SIMD turned off: the fallbacks run, are counted as such, and give the warning', () => {
    disableSimd('disabled by a test');
    try {
      takeKernelPaths();
      convStep(16);
      const p = takeKernelPaths();
      expect(p.simd).toBe('disabled by a test');
      expect(p.calls.Conv2DBackpropFilter).toEqual({ 'js-loop': 1 });
      expect(p.fallbacks.Conv2DBackpropFilter).toEqual({ 'js-loop': 1 });
      expect(p.fallbacks.MaxPoolGrad).toEqual({ 'js-loop': 1 });
      expect(p.fallbacks.Add?.tfjs).toBeGreaterThanOrEqual(1);
      expect(p.calls.Add?.simd).toBeUndefined();
      const w = slowPathWarning(p)!;
      expect(w).toMatch(/^slow kernel path: the wasm SIMD module was not used \(disabled by a test\): /);
      expect(w).toContain('Conv2DBackpropFilter ran js-loop on 1 call');
      expect(w).toContain('MaxPoolGrad ran js-loop on 1 call');
    } finally {
      disableSimd(null);
    }
  });

  it('shapes the SIMD module does not take run the JS loop without a warning (not a fallback)', () => {
    takeKernelPaths();
    convStep(8); // 8 output channels: the SIMD tap gradient takes multiples of 16; pooling/bias take C % 4 == 0
    const p = takeKernelPaths();
    expect(p.calls.Conv2DBackpropFilter).toEqual({ 'js-loop': 1 });
    expect(p.calls.MaxPoolGrad).toEqual({ simd: 1 });
    expect(p.fallbacks).toEqual({});
    expect(slowPathWarning(p)).toBeNull();
  });

  it("tfjs-backend-wasm's memory moved (mocked internals): the fallback and its reason are recorded", () => {
    // A future tfjs-backend-wasm may keep its instance exports elsewhere than backend.wasm.asm:
    // hide `asm` from the kernels, keep everything else of the emscripten module as it is.
    const be = tf.backend() as unknown as { wasm: object };
    const real = be.wasm;
    be.wasm = new Proxy(real, { get: (t, k) => (k === 'asm' ? undefined : Reflect.get(t, k)) });
    try {
      takeKernelPaths();
      convStep(16);
      const p = takeKernelPaths();
      expect(p.simd).toMatch(/memory is not at backend\.wasm\.asm\.memory \(tfjs internals changed\?\)/);
      expect(p.fallbacks.Conv2DBackpropFilter).toEqual({ 'js-loop': 1 });
      expect(slowPathWarning(p)).toContain('tfjs internals changed');
    } finally {
      be.wasm = real;
    }
    takeKernelPaths();
    convStep(16);
    expect(takeKernelPaths().calls.Conv2DBackpropFilter).toEqual({ simd: 1 }); // back on the real memory
  });
});

describe('kernel path records and the run output', () => {
  const slow: KernelPaths = {
    wasmKernels: true, note: null, simd: 'disabled by FILTERSTUDY_NO_SIMD',
    calls: { Conv2DBackpropFilter: { 'js-loop': 30 }, Add: { tfjs: 40, simd: 0 } }, fallbacks: { Conv2DBackpropFilter: { 'js-loop': 30 }, Add: { tfjs: 10 } },
  };

  it('describePaths gives each implementation its share; no wasm kernels, no warning', () => {
    const ok: KernelPaths = { wasmKernels: true, note: null, simd: 'ok', calls: { Add: { simd: 299, tfjs: 1 }, Sum: { 'js-columns': 3 } }, fallbacks: {} };
    expect(describePaths([ok])).toEqual(['Add: simd >99%, tfjs <1%', 'Sum: js-columns']);
    expect(describePaths([ok, ok])).toEqual(['Add: simd >99%, tfjs <1%', 'Sum: js-columns']);
    expect(slowPathWarning(noWasmKernels('onnxruntime engine'))).toBeNull();
    expect(slowPathWarning(slow)).toBe('slow kernel path: the wasm SIMD module was not used (disabled by FILTERSTUDY_NO_SIMD): Add ran tfjs on 10 calls, Conv2DBackpropFilter ran js-loop on 30 calls; training is slower than with SIMD, and the fallbacks sum in a different order (float32 rounding differs)');
  });

  it('the warning event is a line in the live display and a JSON line with --json', () => {
    const message = slowPathWarning(slow)!;
    for (const json of [false, true]) {
      let text = '';
      const r = createReporter({ json, tty: true, write: (s) => { text += s; }, columns: () => 400, now: () => 0 });
      r.onEvent({ type: 'start', study: 's', root: '/r', seeds: [1], pending: [1], skipped: [], threads: 1, backend: 'wasm' });
      r.onEvent({ type: 'warning', seed: 1, code: 'W_SLOW_KERNELS', message });
      r.close();
      if (json) expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toContainEqual({ type: 'warning', seed: 1, code: 'W_SLOW_KERNELS', message });
      else expect(text).toContain(`seed 1 WARNING [W_SLOW_KERNELS]: ${message}`);
    }
  });
});

describe('a run records its kernel paths (CLI)', () => {
  const BIN = join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs');
  const TINY = ['-s', '1', '-w', '1', '-e', '1', '--set', 'data.limit.train=300', '--set', 'data.limit.val=100', '--set', 'data.limit.test=200',
    '--set', 'model.denseUnits=32', '--set', 'model.lstmUnits=16', '--set', 'train.noiseFloor=false', '--no-parquet', '--json'];
  // A hang guard only, far above what a loaded machine needs.
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const cwd = tempDir();
    const r = spawnSync(process.execPath, [BIN, 'run', ...TINY, ...args], { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, ...env } });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    const study = join(cwd, 'out', args[args.indexOf('--name') + 1]);
    const seed = JSON.parse(readFileSync(join(study, 'seeds', 'seed-0001', 'seed.json'), 'utf8')) as { kernelPaths: KernelPaths; exportVsTrainer: Record<string, { trainer: string; decisiveMismatches: number }> };
    return { lines, seed, report: readFileSync(join(study, 'report.md'), 'utf8') };
  };

  it('wasm with FILTERSTUDY_NO_SIMD=1: seed.json, a W_SLOW_KERNELS JSON line and the report warn of the fallback', () => {
    const { lines, seed, report } = run(['--name', 'nosimd', '-b', 'wasm'], { FILTERSTUDY_NO_SIMD: '1' });
    const p = seed.kernelPaths;
    expect(p.wasmKernels).toBe(true);
    expect(p.simd).toBe('disabled by FILTERSTUDY_NO_SIMD');
    expect(p.fallbacks.Conv2DBackpropFilter?.['js-loop']).toBeGreaterThan(0);
    expect(Object.values(p.calls).some((paths) => paths && 'simd' in paths)).toBe(false);
    const warnings = lines.filter((l) => l.type === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ seed: 1, code: 'W_SLOW_KERNELS' });
    expect(warnings[0].message).toMatch(/disabled by FILTERSTUDY_NO_SIMD\): .*Conv2DBackpropFilter ran js-loop/);
    expect(report).toMatch(/\*\*Kernels:\*\* tfjs wasm kernels on 1 seed, SIMD module on 0 of them — .*Conv2DBackpropFilter: js-loop/);
    expect(report).toMatch(/seed 1 \(of 1 on tfjs wasm\): slow kernel path: the wasm SIMD module was not used/);
  });

  it('onnxruntime: seed.json says no wasm kernels ran, no warning', () => {
    const { lines, seed, report } = run(['--name', 'ort', '-b', 'onnxruntime']);
    expect(seed.kernelPaths).toEqual(noWasmKernels('onnxruntime engine: ONNX graphs on onnxruntime-node, no tfjs wasm kernels; optimiser updates: wasm-simd; dropout masks: wasm-simd'));
    expect(lines.filter((l) => l.type === 'warning')).toEqual([]);
    expect(report).toContain('**Kernels:** onnxruntime engine: ONNX graphs on onnxruntime-node, no tfjs wasm kernels; optimiser updates: wasm-simd; dropout masks: wasm-simd (seed 1)');
    expect(report).not.toContain('slow kernel path');
    // The export check on this engine compares with its own forward pass, and says so (issue 17 item 8).
    expect(seed.exportVsTrainer.model2).toMatchObject({ trainer: 'onnxruntime', decisiveMismatches: 0 });
    expect(report).toMatch(/The exported ONNX graphs against the trainer's forward pass \(onnxruntime\) on every test pair/);
  });
});
