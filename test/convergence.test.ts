import { describe, expect, it } from 'vitest';
import { convergenceNotes, endGain } from '../src/stats/convergence.ts';

describe('convergence notes (run summary and report warnings)', () => {
  const row = (seed: number, network: string, epoch: number, val: number) => ({ seed, model: 'model2', network, epoch, val_accuracy: val });
  it('flags a network whose validation accuracy still rose in its last epoch, not one that levelled off', () => {
    const notes = convergenceNotes([
      row(1, 'pipeline', 1, 0.1), row(1, 'pipeline', 2, 0.2), row(1, 'pipeline', 3, 0.3),
      row(2, 'pipeline', 1, 0.1), row(2, 'pipeline', 2, 0.15), row(2, 'pipeline', 3, 0.2),
      row(1, 'cnn1', 1, 0.9), row(1, 'cnn1', 2, 0.95), row(1, 'cnn1', 3, 0.952),
    ]);
    expect(notes.join('\n')).toContain('model2.pipeline was still improving in its last epoch (validation accuracy +0.075, mean over 2 seeds)');
    expect(notes.join('\n')).not.toContain('cnn1');
  });
  it('says nothing for single-epoch runs', () => {
    expect(convergenceNotes([row(1, 'pipeline', 1, 0.5)])).toEqual([]);
  });
  it('judges a long curve on its last tenth against the tenth before, so one noisy last epoch does not decide', () => {
    // 20 epochs climbing 0.02 per epoch, except that the last epoch dips below the one before.
    const curve = Array.from({ length: 20 }, (_, i) => 0.3 + 0.02 * i);
    curve[19] = curve[18] - 0.01;
    expect(endGain(curve)).toMatchObject({ window: 2 });
    expect(endGain(curve)!.gain).toBeCloseTo((curve[18] + curve[19]) / 2 - (curve[16] + curve[17]) / 2, 12);
    const notes = convergenceNotes(curve.map((v, i) => row(1, 'pipeline', i + 1, v)));
    expect(notes).toEqual(['model2.pipeline was still improving over its last 2 epochs (validation accuracy +0.025 against the 2 before, mean over 1 seeds): more epochs would change its numbers']);
    // Levelled off: a flat tail is not flagged, however it got there.
    expect(convergenceNotes(curve.map((v, i) => row(1, 'pipeline', i + 1, i >= 15 ? 0.7 : v)))).toEqual([]);
    expect(endGain([0.5])).toBeNull();
  });
});
