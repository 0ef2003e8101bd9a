/** The stop rule of train.ts `fit`, on synthetic validation-loss sequences through a fake Trainer. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.ts';
import type { NetWeights, Trainer } from '../src/ml/engine.ts';
import { makeRng } from '../src/rng.ts';
import { fit, PlateauRule } from '../src/ml/train.ts';

/**
 * A trainer whose validation loss after epoch e is losses[e−1]: 2 classes, every label 0, logits
 * [0, x] with log(1 + e^x) = loss. Its "weights" are the number of epochs trained so far.
 */
function fakeTrainer(losses: number[], stepsPerEpoch: number) {
  let steps = 0;
  const restored: number[] = [];
  const trainer: Trainer = {
    classes: 2,
    async step() {
      steps++;
      return { loss: 0.5, correct: 1 };
    },
    async logits() {
      const epoch = steps / stepsPerEpoch;
      const x = Math.log(Math.expm1(losses[epoch - 1]));
      return new Float32Array([0, x, 0, x]);
    },
    async weights(): Promise<NetWeights> {
      return { net: { w: { shape: [1], data: new Float32Array([steps / stepsPerEpoch]) } } };
    },
    async setWeights(w: NetWeights) {
      restored.push(w.net.w.data[0]);
    },
    async dispose() {},
  };
  return { trainer, restored };
}

const train = (over: Record<string, unknown>) => ({ ...resolveConfig([{ source: 'test', config: { train: { batchSize: 10 } } }]).train, ...over });
const spec = { network: 'x', n: 20, valLabels: [0, 0], shuffle: makeRng(1, 's'), onProgress: () => {} };

describe('PlateauRule', () => {
  it('stops after `patience` epochs without an improvement larger than minDelta', () => {
    const rule = new PlateauRule(2, 0.01);
    const seq = [1.0, 0.8, 0.795, 0.7, 0.71, 0.695];
    const out = seq.map((l, i) => rule.update(i + 1, l));
    expect(out.map((o) => o.improved)).toEqual([true, true, false, true, false, false]);
    expect(out.map((o) => o.stop)).toEqual([false, false, false, false, false, true]);
    expect(rule.bestEpoch).toBe(4);
  });
});

describe('fit stop rule', () => {
  it("'fixed' runs every epoch, keeps the last, and counts as met", async () => {
    const { trainer, restored } = fakeTrainer([1, 0.5, 0.9, 0.95], 2);
    const r = await fit(trainer, train({ stopRule: 'fixed', epochs: 4 }), spec);
    expect(r).toMatchObject({ epochsRun: 4, bestEpoch: 4, stopReason: 'fixed', metStopRule: true });
    expect(r.history.map((h) => h.best)).toEqual([false, false, false, true]);
    expect(restored).toEqual([]);
  });

  it('the end-of-epoch progress event carries val loss, val accuracy and the epoch time (what --json prints)', async () => {
    const { trainer } = fakeTrainer([1, 0.5], 2);
    const events: Record<string, unknown>[] = [];
    await fit(trainer, train({ stopRule: 'fixed', epochs: 2 }), { ...spec, onProgress: (p) => events.push({ ...p }) });
    const ends = events.filter((e) => e.valAccuracy !== undefined);
    expect(ends.map((e) => e.epoch)).toEqual([1, 2]);
    expect(ends[1].valLoss).toBeCloseTo(0.5, 5);
    for (const e of ends) expect(e.seconds).toBeGreaterThanOrEqual(0);
    expect(events.filter((e) => e.valAccuracy === undefined).every((e) => e.valLoss === undefined && e.seconds === undefined)).toBe(true);
  });

  it("'plateau' stops once patience runs out and restores the best epoch's weights", async () => {
    const { trainer, restored } = fakeTrainer([1, 0.6, 0.5, 0.55, 0.52, 0.51, 0.3, 0.2], 2);
    const r = await fit(trainer, train({ stopRule: 'plateau', patience: 3, minDelta: 0.001, epochs: 8 }), spec);
    expect(r).toMatchObject({ epochsRun: 6, bestEpoch: 3, stopReason: 'plateau', metStopRule: true });
    expect(r.history.map((h) => h.best)).toEqual([false, false, true, false, false, false]);
    expect(restored).toEqual([3]); // the weights copied after epoch 3
    expect(r.history[2].valLoss).toBeCloseTo(0.5, 5);
  });

  it("'plateau' that never plateaus ends as 'max_epochs', not met, keeping the last (best) epoch without a restore", async () => {
    const { trainer, restored } = fakeTrainer([1, 0.9, 0.8, 0.7], 2);
    const r = await fit(trainer, train({ stopRule: 'plateau', patience: 2, minDelta: 0.001, epochs: 4 }), spec);
    expect(r).toMatchObject({ epochsRun: 4, bestEpoch: 4, stopReason: 'max_epochs', metStopRule: false });
    expect(restored).toEqual([]);
  });

  it("'plateau' at the maximum without running out of patience restores an earlier best", async () => {
    const { trainer, restored } = fakeTrainer([1, 0.5, 0.7, 0.6], 2);
    const r = await fit(trainer, train({ stopRule: 'plateau', patience: 3, minDelta: 0, epochs: 4 }), spec);
    expect(r).toMatchObject({ epochsRun: 4, bestEpoch: 2, stopReason: 'max_epochs', metStopRule: false });
    expect(restored).toEqual([2]);
  });

  it('minDelta: a smaller improvement is not an improvement', async () => {
    const { trainer } = fakeTrainer([1, 0.995, 0.99, 0.985], 2);
    const r = await fit(trainer, train({ stopRule: 'plateau', patience: 2, minDelta: 0.02, epochs: 4 }), spec);
    expect(r).toMatchObject({ epochsRun: 3, bestEpoch: 1, stopReason: 'plateau' });
  });
});

describe('config', () => {
  it('train.lstmEpochs is gone: naming it is an E_CONFIG error that says what replaced it', () => {
    expect(() => resolveConfig([{ source: 'old.config.ts', config: { train: { lstmEpochs: 20 } } as never }])).toThrow(/train\.lstmEpochs" was removed: every network .* one stop rule/);
  });
  it('stopRule must be fixed or plateau', () => {
    expect(() => resolveConfig([{ source: 'x', config: { train: { stopRule: 'early' as never } } }])).toThrow(/train\.stopRule/);
  });
});
