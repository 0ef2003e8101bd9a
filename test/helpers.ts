/** Shared test helpers: a tiny study config and a temp output root. */
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
        train: { epochs: 1, lstmEpochs: 1, batchSize: 64, evalBatchSize: 100 },
        runtime: { backend: 'wasm', workers: 2 },
      },
    },
    { source: 'test override', config: over },
  ]);
}
