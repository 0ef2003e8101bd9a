/**
 * The report's training settings table and learning curves (src/report/training.ts), through
 * `aggregate` on a synthetic study given a config and a history.arrow.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTable, writeArrowFile } from '../src/io/arrow.ts';
import { aggregate } from '../src/report/report.ts';
import { writeStudyFiles } from './study-folder.ts';
import { settingsRows } from '../src/report/training.ts';
import { makeSyntheticStudy } from '../src/stats/synthetic.ts';

const root = mkdtempSync(join(tmpdir(), 'report-training-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = {
  data: { pairing: 'reversed' },
  model: { lstmInput: 'scalar', model2Input: 'logits' },
  train: { optimizer: 'adam', learningRate: 0.005, momentum: 0, batchSize: 64, epochs: 3, lstmEpochs: 20, sharedInit: false, noiseFloor: false, evalBatchSize: 1000, patience: 2 },
};

describe('settings table', () => {
  it('says how the models were trained, and lists train keys it does not know', () => {
    const rows = Object.fromEntries(settingsRows(config, { metrics: [
      { seed: 1, model: 'model1', network: 'pipeline', split: 'train', target: 'third', accuracy: 1, loss: 0, n: 6000, trainSeconds: 1, backend: 'x' },
      { seed: 1, model: 'model1', network: 'pipeline', split: 'val', target: 'third', accuracy: 1, loss: 0, n: 2000, trainSeconds: 1, backend: 'x' },
      { seed: 1, model: 'model1', network: 'pipeline', split: 'test', target: 'third', accuracy: 1, loss: 0, n: 10000, trainSeconds: 1, backend: 'x' },
    ] }));
    expect(rows.optimizer).toBe('adam');
    expect(rows['learning rate']).toBe('0.005');
    expect(rows['batch size']).toBe('64');
    expect(rows['epochs (CNNs, model-2)']).toBe('3');
    expect(rows['epochs (model-1’s LSTM)']).toBe('20');
    expect(rows['stop rule']).toMatch(/none/);
    expect(rows['pairs (train / val / test)']).toBe('6,000 / 2,000 / 10,000 (pairing reversed)');
    expect(rows['model-1’s LSTM reads']).toMatch(/digit \/ 9.*scalar/);
    expect(rows['model-2’s LSTM reads']).toMatch(/10 logits.*model2Input = logits/);
    expect(Object.fromEntries(settingsRows({ model: {} }, { metrics: [] }))['model-2’s LSTM reads']).toMatch(/softmax.*model2Input = softmax/);
    expect(rows['train.patience']).toBe('2');
    expect(settingsRows({ train: { optimizer: 'sgd', momentum: 0.9, stopRule: 'val_loss' } }, { metrics: [] })).toContainEqual(['stop rule', 'val_loss']);
  });
});

describe('aggregate with history.arrow', () => {
  const dir = join(root, 'study');
  let md = '';
  let svg = '';
  beforeAll(async () => {
    const data = makeSyntheticStudy({ seeds: 3, mode: 'paper' });
    writeStudyFiles(dir, data, { metadata: { config } });
    // 3 seeds × 2 networks × 4 epochs; accuracy rising with the epoch.
    const rows = [1, 2, 3].flatMap((seed) => ['cnn1', 'lstm'].flatMap((network) => [1, 2, 3, 4].map((epoch) => ({ seed, network, epoch }))));
    writeArrowFile(join(dir, 'history.arrow'), buildTable({
      seed: Int32Array.from(rows, (r) => r.seed), model: rows.map(() => 'model1'), network: rows.map((r) => r.network), epoch: Int32Array.from(rows, (r) => r.epoch),
      train_loss: Float64Array.from(rows, (r) => 2 / r.epoch), train_accuracy: Float64Array.from(rows, (r) => 0.2 * r.epoch), val_loss: Float64Array.from(rows, (r) => 2.5 / r.epoch + r.seed / 100),
      val_accuracy: Float64Array.from(rows, (r) => 0.2 * r.epoch + r.seed / 100), seconds: Float64Array.from(rows, () => 1),
    }, {}));
    await aggregate({ dirs: [dir], cka: false, reps: 100 });
    md = readFileSync(join(dir, 'report.md'), 'utf8');
    svg = readFileSync(join(dir, 'figures/learning-curves.svg'), 'utf8');
  }, 120_000);

  it('puts the settings after the verdicts and before Table 2, and the curves after Table 2', () => {
    const at = (s: string) => md.indexOf(s);
    expect(at('How the models were trained')).toBeGreaterThan(at('Answers to the paper'));
    expect(at('How the models were trained')).toBeLessThan(at('Table 2: test accuracy'));
    expect(at('Learning curves')).toBeGreaterThan(at('Table 2: test accuracy'));
    expect(md).toContain('figures/learning-curves.svg');
    expect(md).toMatch(/\| *optimizer *\| *adam *\|/);
  });

  it('draws one line per seed, network and split (training and validation), for accuracy and loss', () => {
    expect(svg).toContain('<svg');
    for (const s of ['seed 1', 'seed 2', 'seed 3', 'model-1 CNN1', 'model-1 LSTM', 'accuracy', 'loss', 'validation', 'training']) expect(svg, s).toContain(s);
    // 2 networks × 2 measures panels, each with 3 seeds × 2 splits lines.
    expect((svg.match(/role-mark curves_marks/g) ?? []).length).toBe(24); // one group per line
    expect((svg.match(/<path[^>]*aria-roledescription="line mark"/g) ?? []).length).toBe(24);
    // Narrow enough to be shown unscaled in an 800 px window (the labels keep their font size).
    expect(Number(/<svg[^>]*width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1])).toBeLessThan(700);
  });
});
