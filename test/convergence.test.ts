import { describe, expect, it } from 'vitest';
import { convergenceNotes } from '../src/stats/convergence.ts';

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
});
