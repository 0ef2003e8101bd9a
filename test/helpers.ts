/** Shared test helpers: a tiny study config and a temp output root. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type StudyConfig, type UserConfig } from '../src/config.ts';

export function tempDir(prefix = 'filterstudy-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A few hundred images, 1 epoch: trains in seconds on wasm, exercises every code path. */
export function tinyConfig(over: UserConfig = {}): StudyConfig {
  return resolveConfig([
    {
      source: 'test',
      config: {
        preset: 'quick',
        seeds: { start: 1, count: 2 },
        data: { limit: { train: 300, val: 100, test: 200 } },
        model: { denseUnits: 32, lstmUnits: 16 },
        train: { epochs: 1, stopRule: 'fixed', batchSize: 64, evalBatchSize: 100, noiseFloor: false }, // no rerun: keeps end-to-end tests tiny
        runtime: { backend: 'wasm', workers: 2 },
      },
    },
    { source: 'test override', config: over },
  ]);
}

/** An IDX buffer: magic (0, 0, type, number of dims), dims as big-endian uint32, then the data. */
export function idxBytes(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  const dv = new DataView(head.buffer);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

/** A python3 that can `import onnx` (Debian's python3-onnx), for the onnx.checker tests; undefined if none. */
export function pythonWithOnnx(): string | undefined {
  return ['/usr/bin/python3', 'python3'].find((py) => {
    try {
      execFileSync(py, ['-c', 'import onnx'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
}
