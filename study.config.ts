/**
 * The study that `npm run study` runs. Every key is optional: what is not set here comes from the
 * preset, then from the defaults in src/config.ts (each with its reason). CLI flags win over this file.
 *
 *   preset 'quick' — the default, a smoke-scale study (settings: PRESETS.quick in src/config.ts;
 *                    time: src/main-job-time.ts): the whole pipeline in minutes.
 *   preset 'paper' — Table 1 of the paper: batch 128, 100 epochs, SGD lr 0.01, full 42k/18k/10k.
 */
import { defineStudyConfig } from './src/config.ts';

export default defineStudyConfig({
  preset: 'quick',
  // seeds: { start: 1, count: 8 },
  // data: { pairing: 'reversed', dataSeed: 20240101 },
  // model: { lstmInput: 'onehot', recurrentActivation: 'sigmoid' },
  // train: { sharedInit: false },
  // runtime: { backend: 'auto', workers: null },
});
