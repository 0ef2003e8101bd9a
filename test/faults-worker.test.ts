/**
 * Issue #10, faults inside a seed: a worker thread that dies, a bug (not a FilterstudyError), a NaN
 * loss. Each fails only its seed, with a code that says which it was.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Trainer } from '../src/ml/engine.ts';
import { runStudy } from '../src/coordinator/sweep.ts';
import { FilterstudyError } from '../src/errors.ts';
import { makeRng } from '../src/rng.ts';
import { fit } from '../src/ml/train.ts';
import { tempDir, tinyConfig } from './helpers.ts';

describe('faults inside seeds', () => {
  it('a dying worker thread fails its seed (E_TRAIN), a bug is E_INTERNAL with its stack, the other seed finishes', async () => {
    const out = tempDir();
    process.env.FILTERSTUDY_FAULTS = 'exit@2,bug@3';
    let s;
    try {
      s = await runStudy(tinyConfig({ outDir: out, name: 'w', seeds: { count: 3 } }));
    } finally {
      delete process.env.FILTERSTUDY_FAULTS;
    }
    expect(s.completed).toEqual([1]);
    const byCode = Object.fromEntries(s.failed.map((f) => [f.seed, f.error]));
    expect(byCode[2]).toMatchObject({ code: 'E_TRAIN' });
    expect(byCode[2].message).toMatch(/worker thread died/);
    expect(byCode[3]).toMatchObject({ code: 'E_INTERNAL' });
    expect(byCode[3].message).toMatch(/this is a bug.*bug injected/);
    const rec = JSON.parse(readFileSync(join(out, 'w', 'failed', 'seed-0003.json'), 'utf8'));
    expect(rec.error.stack).toMatch(/TypeError/);
  });

  it('a NaN loss stops training with E_TRAIN naming the network, epoch and step', async () => {
    // No config makes these small ReLU networks produce NaN (dead units keep a huge-rate loss
    // finite), so the trainer reports a NaN loss here: the check in fit() is what is under test.
    const trainer: Trainer = {
      classes: 10,
      step: async () => ({ loss: Number.NaN, correct: 0 }),
      logits: async () => new Float32Array(0),
      weights: async () => ({}),
      setWeights: async () => {},
      dispose: async () => {},
    };
    const spec = { network: 'cnn1', n: 10, valLabels: [], shuffle: makeRng(1, 'test'), onProgress: () => {} };
    let err: unknown;
    try {
      await fit(trainer, tinyConfig().train, spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FilterstudyError);
    expect((err as FilterstudyError).code).toBe('E_TRAIN');
    expect((err as FilterstudyError).message).toMatch(/cnn1: loss became NaN at epoch 1, step 1/);
    expect((err as FilterstudyError).hint).toMatch(/learningRate/);
  });
});
