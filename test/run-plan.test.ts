/** The first line of `filterstudy run`: what is trained, under which rule, and the main job's time. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN_JOB_TIME } from '../src/cli/main-job-time.ts';
import { isMainJob, planLine } from '../src/cli/plan.ts';
import { resolveConfig, type UserConfig } from '../src/config.ts';
import { tempDir } from './helpers.ts';

const resolve = (c: UserConfig) => resolveConfig([{ source: 'test', config: c }]);

describe('run plan line', () => {
  it('the main job names every network, its epochs and its time', () => {
    const cfg = resolve({ preset: 'quick' });
    expect(isMainJob(cfg)).toBe(true);
    const line = planLine(cfg);
    expect(line).toContain(`quick preset: ${cfg.seeds.count} seeds × (model-1: CNN1, CNN2, LSTM; model-2; noise-floor rerun of CNN1), ${cfg.train.epochs} fixed epochs each`);
    expect(line).toContain(`model-2 reads ${cfg.model.model2Input}`);
    expect(line).toContain(MAIN_JOB_TIME);
  });

  it('a changed study is not the main job and states no time; its rule and networks are its own', () => {
    for (const over of [{ seeds: { count: 3 } }, { train: { epochs: 20 } }, { model: { model2Input: 'dense' as const } }, { train: { noiseFloor: false } }]) {
      const cfg = resolve({ preset: 'quick', ...over });
      expect(isMainJob(cfg), JSON.stringify(over)).toBe(false);
      expect(planLine(cfg)).not.toContain(MAIN_JOB_TIME);
    }
    expect(planLine(resolve({ preset: 'quick', train: { noiseFloor: false } }))).not.toContain('rerun');
    const paper = planLine(resolve({ preset: 'paper' }));
    expect(paper).toMatch(/^paper preset: 10 seeds × .*, 100 fixed epochs each \(SGD lr 0\.01, batch 128, model-2 reads logits\)/);
    expect(planLine(resolve({ preset: 'quick', train: { stopRule: 'plateau', epochs: 30, patience: 3 } }))).toContain('up to 30 epochs each (plateau, patience 3)');
  });

  it('is the first line run prints, before any data is loaded', () => {
    const cwd = tempDir();
    const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'filterstudy.mjs'), 'run', '--data-dir', cwd], { cwd, encoding: 'utf8', timeout: 600_000 });
    expect(r.status).toBe(2); // no MNIST files there: the plan line came first all the same
    expect(r.stdout.split('\n')[0]).toBe(planLine(resolve({ preset: 'quick', data: { dir: cwd } })));
  });
});
