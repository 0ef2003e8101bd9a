/**
 * The first line `filterstudy run` prints: what every seed trains, under which rule, and — for the
 * main job, the quick preset as shipped — how long it takes (MAIN_JOB_TIME, the one statement of it).
 * Other studies get their ETA from the live display once a seed is measured.
 */
import { resolveConfig, type StudyConfig } from '../config.ts';
import { MAIN_JOB_TIME } from './main-job-time.ts';

/** True when `cfg` trains what `npm run study` trains: the quick preset with nothing changed that alters the work. */
export function isMainJob(cfg: StudyConfig): boolean {
  if (cfg.preset !== 'quick') return false;
  const main = resolveConfig([{ source: 'main job', config: { preset: 'quick' } }]);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return same(cfg.data, main.data) && same(cfg.model, main.model) && same(cfg.train, main.train) && cfg.seeds.count === main.seeds.count;
}

/** E.g. "quick preset: 6 seeds × (model-1: CNN1, CNN2, LSTM; model-2; noise-floor rerun of CNN1), 3 fixed epochs each, …". */
export function planLine(cfg: StudyConfig): string {
  const t = cfg.train;
  const nets = `model-1: CNN1, CNN2, LSTM; model-2${t.noiseFloor ? '; noise-floor rerun of CNN1' : ''}`;
  const rule = t.stopRule === 'fixed' ? `${t.epochs} fixed epoch${t.epochs === 1 ? '' : 's'} each` : `up to ${t.epochs} epochs each (plateau, patience ${t.patience})`;
  const opt = `${t.optimizer === 'adam' ? 'Adam' : 'SGD'} lr ${t.learningRate}, batch ${t.batchSize}, model-2 reads ${cfg.model.model2Input}`;
  const preset = cfg.preset === 'none' ? 'no preset' : `${cfg.preset} preset`;
  const time = isMainJob(cfg) ? `the main job: ${MAIN_JOB_TIME}` : 'the ETA follows from the first measured epochs';
  return `${preset}: ${cfg.seeds.count} seed${cfg.seeds.count === 1 ? '' : 's'} × (${nets}), ${rule} (${opt}); ${time}`;
}
