/** The same seed on the same backend gives bit-identical filters; another seed does not. */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackend, type LoadedBackend } from '../src/ml/backend.ts';
import { TfjsEngine } from '../src/ml/engine-tfjs.ts';
import { loadMnist, makePairs, splitMnist } from '../src/data/mnist.ts';
import type { SeedData } from '../src/data/mnist.ts';
import { runSeed, type SeedOutcome } from '../src/worker/seed-task.ts';
import { tinyConfig } from './helpers.ts';

describe('seed determinism (wasm)', () => {
  let backend: LoadedBackend;
  let data: SeedData;
  const cfg = tinyConfig({ data: { limit: { train: 256, val: 64, test: 64 } } });
  const run = (seed: number, c = cfg): Promise<SeedOutcome> => runSeed(new TfjsEngine(backend), c, seed, data, () => {});

  beforeAll(async () => {
    backend = await loadBackend('wasm');
    const splits = splitMnist(loadMnist(), { dataSeed: cfg.data.dataSeed, trainSize: 42000, valSize: 18000, limit: { train: 256, val: 64, test: 64 } });
    data = { splits, pairs: { train: makePairs(splits.train, { pairing: 'reversed' }), val: makePairs(splits.val, { pairing: 'reversed' }), test: makePairs(splits.test, { pairing: 'reversed' }) } };
  });

  it('runs on the wasm backend with the kernel fixes registered', () => {
    expect(backend.name).toBe('wasm');
    expect(backend.kernels).toContain('Conv2DBackpropFilter');
  });

  it('same seed → identical filters, histories and test probabilities', async () => {
    const a = await run(7);
    const b = await run(7);
    expect(a.filters.length).toBe(8);
    for (let i = 0; i < a.filters.length; i++) {
      expect(Buffer.from(a.filters[i].kernel.buffer).equals(Buffer.from(b.filters[i].kernel.buffer))).toBe(true);
      expect(Buffer.from(a.filters[i].bias.buffer).equals(Buffer.from(b.filters[i].bias.buffer))).toBe(true);
    }
    expect(a.history.map((h) => h.trainLoss)).toEqual(b.history.map((h) => h.trainLoss));
    expect(Array.from(a.testProbs.model2)).toEqual(Array.from(b.testProbs.model2));
  });

  it('another seed → other initial and trained filters', async () => {
    const a = await run(7);
    const c = await run(8);
    const init = (o: SeedOutcome) => o.filters.find((f) => f.model === 'model1' && f.network === 'cnn1' && f.stage === 'init')!.kernel;
    expect(Array.from(init(a))).not.toEqual(Array.from(init(c)));
  });

  it('sharedInit makes model-2 start from model-1\'s initial filters; the default does not', async () => {
    const initOf = (o: SeedOutcome, model: string) => Array.from(o.filters.find((f) => f.model === model && f.network === 'cnn2' && f.stage === 'init')!.kernel);
    const shared = await run(3, tinyConfig({ data: { limit: { train: 256, val: 64, test: 64 } }, train: { sharedInit: true } }));
    expect(initOf(shared, 'model2')).toEqual(initOf(shared, 'model1'));
    const own = await run(3);
    expect(initOf(own, 'model2')).not.toEqual(initOf(own, 'model1'));
  });

  it('leaks no tensors across a seed', async () => {
    const before = backend.tf.memory().numTensors;
    await run(5);
    expect(backend.tf.memory().numTensors).toBe(before);
  });
});
